"""`govern incident` through the real console script, on SQLite and PostgreSQL, with the test clock.

A "death or serious harm to health" incident (Art. 3(49)(a)) has 10 days (Art. 73(4)); moved past
them without an initial report it is overdue; the report clears it; only a risk officer who owns
none of the affected models closes it; every step is in the ledger, which still verifies.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any


def _run(cli: Any, inc: Any, person: str | None, at: Any, *args: str) -> Any:
    env = {**inc.ws.env, **inc.clock(at)}
    if person is not None:
        env["GOVERN_TOKEN"] = inc.ws.tokens[person]
    return cli.run("incident", *args, env=env, cwd=inc.root)


def _json(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_death_or_harm_incident_has_ten_days_then_is_overdue(cli: Any, inc: Any) -> None:
    t0 = inc.t0
    opened = _json(
        _run(
            cli, inc, "alice", t0,
            "open", "--title", "loan denial caused harm", "--category", "death_or_serious_harm",
            "--model", "credit-risk@1", "--dataset", "credit/applications@1",
            "--aware-at", t0.isoformat(), "--format", "json",
        )
    )  # fmt: skip
    iid = opened["id"]
    assert opened["deadline_days"] == 10
    assert opened["deadline_article"] == "Art. 73(4)"
    assert opened["deadline_at"].startswith((t0 + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert opened["overdue"] is False
    assert [link["ref"] for link in opened["links"]] == ["credit-risk@1", "dataset:credit/applications@1"]

    # One second before the deadline: not overdue. One second after: overdue, in text and JSON.
    before = t0 + timedelta(days=10) - timedelta(seconds=1)
    after = t0 + timedelta(days=10, seconds=1)
    assert _json(_run(cli, inc, None, before, "list", "--status", "overdue", "--format", "json")) == []
    late = _json(_run(cli, inc, None, after, "list", "--status", "overdue", "--format", "json"))
    assert [i["id"] for i in late] == [iid] and late[0]["overdue"] is True
    text = _run(cli, inc, None, after, "list")
    assert text.returncode == 0 and "OVERDUE" in text.stdout and iid in text.stdout
    shown = _run(cli, inc, None, after, "show", iid)
    assert "within 10 days" in shown.stdout and "OVERDUE" in shown.stdout
    # It is open on the model and on models trained from the dataset (the gate's blocking list).
    on_model = _json(_run(cli, inc, None, after, "list", "--model", "credit-risk@1", "--format", "json"))
    assert [i["id"] for i in on_model] == [iid]

    # Corrective action, then the (late) initial report, stored content-addressed.
    updated = _json(_run(cli, inc, "alice", after, "update", iid, "--action", "model suspended", "--format", "json"))
    assert [a["action"] for a in updated["corrective_actions"]] == ["model suspended"]
    report = inc.root / "initial-report.txt"
    report.write_text("Initial report to the market surveillance authority.\n", encoding="utf-8")
    reported = _json(_run(cli, inc, "alice", after, "report", iid, str(report), "--format", "json"))
    import hashlib

    assert reported["reports"][0]["digest"] == "sha256:" + hashlib.sha256(report.read_bytes()).hexdigest()
    assert reported["reported_late"] is True and reported["overdue"] is False
    assert _json(_run(cli, inc, None, after, "list", "--status", "overdue", "--format", "json")) == []
    again = _run(cli, inc, "alice", after, "report", iid, str(report))
    assert again.returncode == 2 and "incident_report_order" in again.stderr

    # bob is a risk officer but owns credit-risk@1: separation of duties refuses him.
    refused = _run(cli, inc, "bob", after, "close", iid, "--resolution", "done")
    assert refused.returncode == 2 and "sod_owner_conflict" in refused.stderr
    closed = _json(_run(cli, inc, "alice", after, "close", iid, "--resolution", "retrained", "--format", "json"))
    assert closed["status"] == "closed" and closed["closed_by"] == "alice"
    assert _json(_run(cli, inc, None, after, "list", "--format", "json")) == []

    env = {**inc.ws.env, **inc.clock(after)}
    log = cli.run("audit", "log", "--format", "json", env=env, cwd=inc.root)
    kinds = [e["kind"] for e in json.loads(log.stdout) if e["kind"].startswith("incident.")]
    assert kinds == ["incident.opened", "incident.updated", "incident.reported", "incident.closed"]
    reported_entry = next(e for e in json.loads(log.stdout) if e["kind"] == "incident.reported")
    assert reported_entry["payload"]["late"] is True and reported_entry["actor"] == "alice"
    assert cli.run("audit", "verify", env=env, cwd=inc.root).returncode == 0


def test_bad_input_is_one_located_line_and_exit_2(cli: Any, inc: Any) -> None:
    t0 = inc.t0
    base = ("open", "--title", "t", "--model", "credit-risk@1")
    cases = [
        ("alice", (*base, "--category", "bad-luck"), "invalid_category"),
        (None, (*base, "--category", "death_or_serious_harm"), "local_token_required"),
        ("dave", (*base, "--category", "death_or_serious_harm"), "role_not_allowed"),  # not dave's model
        ("carol", (*base, "--category", "death_or_serious_harm"), "role_not_allowed"),  # validator
        ("alice", ("open", "--title", "t", "--category", "death_or_serious_harm"), "incident_invalid"),
        ("alice", ("open", "--title", "t", "--category", "fundamental_rights", "--model", "nope@1"), "not_found"),
        (
            "alice",
            (*base, "--category", "fundamental_rights", "--aware-at", (t0 + timedelta(days=1)).isoformat()),
            "incident_aware_in_future",
        ),
        ("alice", ("show", "inc_missing"), "incident_not_found"),
        ("alice", ("list", "--status", "soon"), "invalid_option"),
    ]
    for person, args, code in cases:
        result = _run(cli, inc, person, t0, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and code in lines[0] and "Traceback" not in result.stderr, (args, result.stderr)


def test_model_owner_opens_on_own_model_and_closing_needs_a_report(cli: Any, inc: Any) -> None:
    t0 = inc.t0
    opened = _json(
        _run(
            cli, inc, "dave", t0, "open", "--title", "grid outage", "--category", "critical-infrastructure",
            "--model", "dave-model@1", "--format", "json",
        )
    )  # fmt: skip
    assert opened["category"] == "critical_infrastructure" and opened["deadline_days"] == 2
    unreported = _run(cli, inc, "alice", t0, "close", opened["id"], "--resolution", "x")
    assert unreported.returncode == 2 and "incident_not_reported" in unreported.stderr
    # Re-categorized: the deadline is recomputed from aware_at (15 days) and the change is ledgered.
    moved = _json(
        _run(cli, inc, "dave", t0, "update", opened["id"], "--category", "property_or_environment", "--format", "json")
    )
    assert moved["deadline_days"] == 15
    assert moved["deadline_at"].startswith((t0 + timedelta(days=15)).strftime("%Y-%m-%dT%H:%M"))
