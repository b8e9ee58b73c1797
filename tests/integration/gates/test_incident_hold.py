"""An open incident holds the promotion of every model version it affects; closing it releases
the gate (EU AI Act Art. 20, 73). In process, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govern import incidents
from govern.workspace import Workspace

MODEL = "credit-risk-lr@1"


def test_an_open_incident_denies_promotion_until_it_is_closed(gated: Any, tmp_path: Path) -> None:
    url = {"database_url": gated.database_url} if gated.database_url else {}
    with Workspace.open(gated.path, **url) as ws:
        ws.actor = "ci-bot"
        before = ws.gate_promote(MODEL, "staging")
        assert before.outcome != "deny", before.reasons
        rita, ravi = ws.principal("rita"), ws.principal("ravi")
        opened = incidents.open_incident(
            ws.context, rita, title="harm reported by a customer", category="death_or_serious_harm", models=[MODEL]
        )
        held = ws.gate_promote(MODEL, "staging")
        assert held.outcome == "deny"
        assert held.reasons[0].startswith(f"open incident(s) {opened.id} affect {MODEL}")
        (tmp_path / "initial.txt").write_text("initial report", encoding="utf-8")
        incidents.report_incident(ws.context, rita, opened.id, tmp_path / "initial.txt")
        incidents.close_incident(ws.context, ravi, opened.id, resolution="root cause fixed")
        after = ws.gate_promote(MODEL, "staging")
        assert after.outcome == before.outcome, after.reasons


def test_an_incident_past_its_deadline_is_an_exception_of_the_period_report(gated: Any, tmp_path: Path) -> None:
    """Art. 73(4): death or serious harm is reported within 10 days of awareness; 20 days on and
    unreported, the period report lists it (and the incident list calls it overdue)."""
    from datetime import timedelta

    from govern.core import utcnow

    url = {"database_url": gated.database_url} if gated.database_url else {}
    with Workspace.open(gated.path, **url) as ws:
        ws.actor = "ci-bot"
        aware = utcnow() - timedelta(days=20)
        opened = incidents.open_incident(
            ws.context, ws.principal("rita"), title="harm", category="death_or_serious_harm", models=[MODEL],
            aware_at=aware,
        )  # fmt: skip
        assert opened.deadline_days == 10 and opened.overdue()
        data = ws.report_period(aware - timedelta(days=1), utcnow() + timedelta(days=1), tmp_path / "period.html")
    (item,) = [e for e in data.exceptions if e.kind == "incident_overdue"]
    assert item.model == MODEL and opened.id in item.summary and "within 10 days" in item.summary
    assert opened.id in (tmp_path / "period.html").read_text(encoding="utf-8")
