"""The shipped EU AI Act monitoring plan enforced (Art. 72): a high-risk model in production is due
for a monitoring run every 30 days; moved past that by the test clock it is overdue in
`govern monitor status` and its next promotion is held; `govern monitor run` on a current window
clears it. Through the real console script, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from govern.decisions import vote
from govern.workspace import Workspace

MODEL = "credit-risk-lr@1"


def _at(gated: Any, when: datetime) -> dict[str, str]:
    return dict(gated.env, GOVERN_UNSAFE_TESTING="1", GOVERN_UNSAFE_NOW=when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _promote_to_production(gated: Any) -> None:
    url = {"database_url": gated.database_url} if gated.database_url else {}
    with Workspace.open(gated.path, **url) as ws:
        ws.actor = "ci-bot"
        pending = ws.gate_promote(MODEL, "production")
        assert pending.outcome == "pending_approval" and pending.approval, pending.reasons
        for who in ("rita", "vera"):
            vote(ws.context, pending.approval["request"], ws.principal(who), "approve", "reviewed")
        assert ws.gate_promote(MODEL, "production").outcome == "allow"


def test_an_overdue_plan_holds_promotion_until_a_monitoring_run(cli: Any, gated: Any) -> None:
    _promote_to_production(gated)
    fresh = cli.run("monitor", "status", "--format", "json", env=gated.env)
    assert fresh.returncode == 0, fresh.stderr
    (plan,) = json.loads(fresh.stdout)
    assert plan["model"] == MODEL and plan["tier"] == "high" and plan["every_days"] == 30
    assert plan["last_run_at"] is None and not plan["overdue"] and plan["hold_promotion"]
    due = datetime.fromisoformat(plan["due_at"].replace("Z", "+00:00"))
    assert abs(due - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=10)

    late = due + timedelta(days=1)
    overdue = cli.run("monitor", "status", env=_at(gated, late))
    assert "OVERDUE since" in overdue.stdout and "(holds promotion)" in overdue.stdout
    held = cli.run("gate", "promote", MODEL, "--to", "production", "--format", "json", env=_at(gated, late))
    assert held.returncode == 1, held.stderr
    decision = json.loads(held.stdout)
    assert decision["outcome"] == "deny" and decision["reasons"][0].startswith(f"monitoring overdue: {MODEL}")

    period = gated.path.parent / "period.html"  # the period report lists the overdue plan
    made = cli.run("report", "period", "--from", "2000-01-01", "--to", late.strftime("%Y-%m-%d"), "-o", str(period),
                   env=_at(gated, late))  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = " ".join(period.read_text(encoding="utf-8").split())  # the listing wraps long summaries
    assert f"monitoring plan (every 30 days) overdue since {plan['due_at'][:10]}" in listed

    ran = cli.run("monitor", "run", MODEL, "--current", str(gated.scenario.current), env=_at(gated, late))
    assert ran.returncode in (0, 3, 4), ran.stderr  # monitor, review or retrain: the run is recorded either way
    assert ran.stdout.startswith("monitoring run dec_") and "next due" in ran.stdout
    cleared = json.loads(cli.run("monitor", "status", "--format", "json", env=_at(gated, late)).stdout)[0]
    assert not cleared["overdue"] and cleared["last_run_at"] is not None
    again = cli.run("gate", "promote", MODEL, "--to", "production", "--format", "json", env=_at(gated, late))
    assert not json.loads(again.stdout)["reasons"][:1] or not json.loads(again.stdout)["reasons"][0].startswith(
        "monitoring overdue"
    )
