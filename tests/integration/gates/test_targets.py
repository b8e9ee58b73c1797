"""Promotion targets declared in settings: ``--to champion`` applies the production rules and the
tier's approvals, one version holds a target at a time, a rollback releases it. SQLite and
PostgreSQL, through the real CLI where a user would type it."""

from __future__ import annotations

import json
from typing import Any

from govern.decisions import holders, vote
from govern.workspace import Workspace

MODEL = "credit-risk-lr@1"
SETTINGS = '[govern.promotion_targets]\nstaging = "staging"\nproduction = "production"\nchampion = "production"\n'


def test_a_declared_target_has_its_stages_rules_and_approvals(gated: Any, cli: Any) -> None:
    (gated.path / "govern.toml").write_text(SETTINGS, encoding="utf-8")
    unknown = cli.run("gate", "promote", MODEL, "--to", "nonsense", env=gated.env)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "promotion target must be one of staging, production, champion" in unknown.stderr

    first = cli.run("gate", "promote", MODEL, "--to", "champion", "--format", "json", env=gated.env)
    assert first.returncode == 3, first.stderr  # pending: the production approvals of a high-tier model
    pending = json.loads(first.stdout)
    assert (pending["target"], pending["facts"]["target"], pending["tier"]) == ("champion", "production", "high")
    assert pending["approval"]["required"]["count"] == 2

    url = {"database_url": gated.database_url} if gated.database_url else {}
    with Workspace.open(gated.path, **url) as ws:
        ws.actor = "ci-bot"
        for who in ("rita", "vera"):
            vote(ws.context, pending["approval"]["request"], ws.principal(who), "approve", "validated")
    allowed = cli.run("gate", "promote", MODEL, "--to", "champion", "--format", "json", env=gated.env)
    assert allowed.returncode == 0, allowed.stdout
    assert json.loads(allowed.stdout)["stage_after"] == "production"

    with Workspace.open(gated.path, **url) as ws:
        with ws.store.read() as session:
            held = holders(session, name="credit-risk-lr")
        assert [(h.model, h.target) for h in held] == [(MODEL, "champion")]
        assert ws.model(MODEL)["stage"] == "production"
        # Approval requests are per target: production itself needs its own sign-off.
        assert ws.gate_promote(MODEL, "production").outcome == "pending_approval"
        ws.rollback(MODEL, "staging", ws.principal("rita"), justification="monitoring alert")
        with ws.store.read() as session:
            assert holders(session, name="credit-risk-lr") == []
        assert ws.model(MODEL)["stage"] == "staging"
