"""The waiver's granter role is stored and reported (admins may grant waivers too)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern.core import utcnow

GBM = "credit-risk-gbm@1"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from govern.demo import build

    return build(tmp_path_factory.mktemp("scenario"), small=True)


def test_each_waiver_reports_its_granters_role(tmp_path: Path, db_url: str | None, scenario) -> None:  # type: ignore[no-untyped-def]
    from govern.decisions import list_waivers, waive
    from govern.decisions._tables import WaiverRow  # to fake a row from before the column
    from govern.demo import populate
    from govern.reports._gather import _reviews
    from govern.workspace import Workspace

    with Workspace.init(tmp_path / ".govern", database_url=db_url) as ws:
        ws.actor = "ci-bot"
        populate(ws, scenario)
        ws.create_token("rita", "risk_officer")
        ws.create_token("ada", "admin")
        until = utcnow() + timedelta(days=30)
        by_officer = waive(ws.context, GBM, "eu-ai-act/demographic-parity", ws.principal("rita"),
                           justification="remediation under way", expires=until)  # fmt: skip
        by_admin = waive(ws.context, GBM, "eu-ai-act/demographic-parity", ws.principal("ada"),
                         justification="second opinion", expires=until)  # fmt: skip
        assert (by_officer.granted_role, by_admin.granted_role) == ("risk_officer", "admin")
        assert {w.id: w.to_dict()["granted_role"] for w in list_waivers(ws.context, GBM)} == {
            by_officer.id: "risk_officer",
            by_admin.id: "admin",
        }
        with ws.store.write() as session:  # a waiver from before the role was stored
            session.execute(sa.update(WaiverRow).where(WaiverRow.id == by_officer.id).values(granted_role=None))
        with ws.store.read() as session:
            roles = {(r.actor, r.role) for r in _reviews(session) if r.kind == "waiver"}
    assert roles == {("rita", "role not recorded"), ("ada", "admin")}
