"""Validation findings and periodic reviews (SR 11-7) through the real console script: an open
high finding holds the promotion of its model version until its owner remediates it and an
independent validator closes it; a model version's next review is due after its tier's interval,
is overdue past it, and a recorded review moves it. SQLite and PostgreSQL, with the test clock."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from govern.reviews import INVENTORY_COLUMNS
from govern.workspace import Workspace

MODEL = "credit-risk-lr@1"


def _env(gated: Any, person: str, at: datetime | None = None) -> dict[str, str]:
    env = dict(gated.env, GOVERN_TOKEN=gated.tokens[person])
    if at is not None:
        env.update(GOVERN_UNSAFE_TESTING="1", GOVERN_UNSAFE_NOW=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return env


def _gate(gated: Any) -> Any:
    url = {"database_url": gated.database_url} if gated.database_url else {}
    with Workspace.open(gated.path, **url) as ws:
        ws.actor = "ci-bot"
        return ws.gate_promote(MODEL, "staging")


def test_a_high_finding_holds_promotion_until_remediated_and_closed(cli: Any, gated: Any) -> None:
    baseline = _gate(gated)
    assert baseline.outcome != "deny", baseline.reasons
    due = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    opened = cli.run(
        "finding", "open", MODEL, "--title", "calibration drifts above 0.7", "--severity", "high",
        "--owner", "bob", "--due", due, "--format", "json", env=_env(gated, "vera"),
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    finding = json.loads(opened.stdout)
    assert finding["status"] == "open" and finding["severity"] == "high" and not finding["overdue"]

    held = _gate(gated)
    assert held.outcome == "deny"
    assert held.reasons[0].startswith(f"open high-severity validation finding(s) {finding['id']} on {MODEL}")

    listed = cli.run("review", "inventory", "--format", "csv", env=gated.env)
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert list(rows[0]) == list(INVENTORY_COLUMNS)
    by_model = {r["model"]: r for r in rows}
    assert {MODEL, "credit-risk-gbm@1"} <= set(by_model)
    assert by_model[MODEL]["open_findings_high"] == "1" and by_model[MODEL]["owner"] == "bob"
    assert by_model["credit-risk-gbm@1"]["open_findings_high"] == "0"

    by_owner = cli.run("finding", "close", finding["id"], "--closure", "fine by me", env=_env(gated, "bob"))
    assert by_owner.returncode != 0 and "role_not_allowed" in by_owner.stderr and "Traceback" not in by_owner.stderr
    not_owner = cli.run("finding", "remediate", finding["id"], "--remediation", "x", env=_env(gated, "vera"))
    assert not_owner.returncode != 0 and "role_not_allowed" in not_owner.stderr
    fixed = cli.run("finding", "remediate", finding["id"], "--remediation", "recalibrated", env=_env(gated, "bob"))
    assert fixed.returncode == 0, fixed.stderr
    assert _gate(gated).outcome == "deny"  # remediated is not closed: the validator has not accepted it
    closed = cli.run(
        "finding", "close", finding["id"], "--closure", "recalibration verified", "--format", "json",
        env=_env(gated, "carol"),
    )  # fmt: skip
    assert closed.returncode == 0, closed.stderr
    assert json.loads(closed.stdout)["closed_by"] == "carol"
    assert _gate(gated).outcome == baseline.outcome

    bad = cli.run("finding", "open", MODEL, "--title", "t", "--severity", "urgent", "--owner", "bob", "--due", due,
                  env=_env(gated, "vera"))  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "finding_invalid" in bad.stderr
    log = cli.run("audit", "log", "--format", "json", env=gated.env)
    kinds = [e["kind"] for e in json.loads(log.stdout)]
    assert kinds.count("finding.opened") == 1 and "finding.remediated" in kinds and "finding.closed" in kinds
    assert cli.run("audit", "verify", env=gated.env).returncode == 0


def test_the_next_review_is_due_after_the_tier_interval(cli: Any, gated: Any) -> None:
    first = cli.run("review", "status", MODEL, "--format", "json", env=gated.env)
    assert first.returncode == 0, first.stderr
    status = json.loads(first.stdout)
    from govern.reviews import REVIEW_INTERVAL_DAYS

    interval = timedelta(days=REVIEW_INTERVAL_DAYS[status["tier"]])
    due = datetime.fromisoformat(status["next_due_at"].replace("Z", "+00:00"))
    assert status["last_reviewed_at"] is None and not status["overdue"]
    assert abs(due - (datetime.now(UTC) + interval)) < timedelta(hours=1)  # registered just now

    late = (due + timedelta(days=1)).replace(microsecond=0)  # the pinned clock has whole seconds
    overdue = cli.run("review", "status", MODEL, "--format", "json", env=_env(gated, "vera", at=late))
    assert json.loads(overdue.stdout)["overdue"] is True
    by_owner = cli.run("review", "record", MODEL, "--outcome", "satisfactory", env=_env(gated, "bob", at=late))
    assert by_owner.returncode != 0  # a model_owner reviews nothing
    recorded = cli.run(
        "review", "record", MODEL, "--outcome", "satisfactory", "--note", "annual", "--format", "json",
        env=_env(gated, "vera", at=late),
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    after = json.loads(recorded.stdout)
    assert after["reviewer"] == "vera" and after["last_outcome"] == "satisfactory" and not after["overdue"]
    assert datetime.fromisoformat(after["next_due_at"].replace("Z", "+00:00")) == late + interval
