"""A workspace with the demo's two candidate models, built once per module and copied per test."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    from govern.demo import build

    return build(tmp_path_factory.mktemp("scenario"), small=True)


@pytest.fixture
def gated(cli, workspace, scenario):
    """The workspace fixture (SQLite or PostgreSQL) with lineage, models, evidence and identities."""
    from govern.demo import populate
    from govern.workspace import Workspace

    ws = Workspace.open(workspace.path, **({"database_url": workspace.database_url} if workspace.database_url else {}))
    ws.actor = "ci-bot"
    populate(ws, scenario)
    for name, role in (
        ("bob", "model_owner"),
        ("rita", "risk_officer"),
        ("ravi", "risk_officer"),
        ("vera", "validator"),
        ("carol", "validator"),
        ("ci-bot", "ci"),
    ):
        ws.create_token(name, role)
    ws.close()
    workspace.scenario = scenario
    return workspace
