"""``govern.incidents.blocking``: what the gate will hold. An incident linked to a model version
holds that version; one linked to a dataset holds every model version trained from it, including
versions registered later; closing releases them. SQLite and PostgreSQL, in process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govern import incidents
from govern.lineage import ModelSpec
from govern.workspace import Workspace


def test_blocking_follows_links_and_lineage(inc: Any, tmp_path: Path) -> None:
    url = {"database_url": inc.ws.database_url} if inc.ws.database_url else {}
    with Workspace.open(inc.ws.path, **url) as ws:
        alice, root = ws.principal("alice"), ws.principal("root")
        on_model = incidents.open_incident(
            ws.context, alice, title="wrong denials", category="fundamental_rights", models=["credit-risk@1"]
        )
        on_data = incidents.open_incident(
            ws.context,
            alice,
            title="mislabelled applications",
            category="death_or_serious_harm",
            models=["credit-risk@1"],
            datasets=["credit/applications@1"],
        )
        ws.actor = "ci-bot"
        ws.register_model(ModelSpec(name="credit-risk", version="2", run="train-1", owner="bob"))

        def held(ref: str) -> set[str]:
            with ws.store.read() as session:
                return {i.id for i in incidents.blocking(session, ref)}

        assert held("credit-risk@1") == {on_model.id, on_data.id}
        assert held("credit-risk@2") == {on_data.id}  # trained from the flagged dataset, not linked itself
        assert held("dave-model@1") == {on_data.id}  # another model from the same run
        assert on_data.deadline_days == 10 and on_model.deadline_days == 15

        report = tmp_path / "r.txt"
        report.write_text("initial", encoding="utf-8")
        incidents.report_incident(ws.context, alice, on_data.id, report)
        incidents.close_incident(ws.context, root, on_data.id, resolution="relabelled; credit-risk@3 retrained")
        assert held("credit-risk@2") == set() and held("dave-model@1") == set()
        assert held("credit-risk@1") == {on_model.id}
