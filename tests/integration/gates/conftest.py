"""A workspace with the demo's two candidate models, built once per module and copied per test."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    from govern.demo import build

    return build(tmp_path_factory.mktemp("scenario"), small=True)


@pytest.fixture
def gated(cli, workspace, scenario):
    """The workspace fixture (SQLite or PostgreSQL) with lineage, models, evidence and identities
    (``tokens``: person -> their own token, which local approve/reject/waive need)."""
    from govern.demo import populate
    from govern.workspace import Workspace

    ws = Workspace.open(workspace.path, **({"database_url": workspace.database_url} if workspace.database_url else {}))
    ws.actor = "ci-bot"
    populate(ws, scenario)
    tokens = {}
    for name, role in (
        ("bob", "model_owner"),
        ("rita", "risk_officer"),
        ("ravi", "risk_officer"),
        ("vera", "validator"),
        ("carol", "validator"),
        ("ci-bot", "ci"),
    ):
        tokens[name] = ws.create_token(name, role)[0]
    ws.close()
    workspace.tokens = tokens
    workspace.scenario = scenario
    return workspace
