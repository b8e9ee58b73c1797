"""Workspace creation and the store's guarantees, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
GOVERN = Path(__file__).resolve().parents[2] / "govern"
TABLE_MODULES = sorted(".".join(p.relative_to(GOVERN.parent).with_suffix("").parts) for p in GOVERN.rglob("_tables.py"))


def test_init_twice_is_safe_and_key_is_private(cli, workspace, tmp_path):
    key = workspace.path / "keys" / "signing.key"
    first = key.read_bytes()
    assert stat.S_IMODE(Path(key).stat().st_mode) == 0o600
    again = cli.run("init", env=workspace.env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert key.read_bytes() == first  # never regenerated


def test_sqlite_is_wal_with_foreign_keys(workspace):
    if workspace.database_url:
        return  # PostgreSQL has neither pragma; the PostgreSQL run checks the schema below
    store = Store(f"sqlite:///{workspace.path / 'govern.db'}")
    with store.read() as s:
        assert s.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30000


def test_migrated_schema_matches_the_models(workspace):
    """Every table and column the models declare exists after `govern init` (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    for module in TABLE_MODULES:  # every room's tables, so the comparison sees all of them
        importlib.import_module(module)
    url = workspace.database_url or f"sqlite:///{workspace.path / 'govern.db'}"
    store = Store(url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    structural = [d for d in diffs if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert structural == []


def test_bad_settings_file_is_a_located_error(cli, tmp_path):
    ws = tmp_path / ".govern"
    ws.mkdir()
    (ws / "govern.toml").write_text("[govern]\nmax_body_bytes = 'lots'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env["GOVERN_WORKSPACE"] = str(ws)
    result = cli.run("init", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "settings_error" in result.stderr and "max_body_bytes" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_older_workspace_upgrades_in_place(cli, workspace, tmp_path):
    """A workspace missing a newer room's schema is refused until `govern init` upgrades it; data stays."""
    from alembic import command

    ingest = cli.run("lineage", "ingest", str(DATA / "lineage_manifest.yaml"), env=workspace.env)
    assert ingest.returncode == 0, ingest.stderr
    store = Store(workspace.database_url or f"sqlite:///{workspace.path / 'govern.db'}")
    with store.engine.begin() as conn:
        command.downgrade(store._alembic_config(conn), "identity@base")  # as if made before tokens existed
    store.dispose()
    old = cli.run("lineage", "show", "credit-risk@1", env=workspace.env)
    assert old.returncode == 2 and "workspace_outdated" in old.stderr
    assert cli.run("init", env=workspace.env, cwd=tmp_path).returncode == 0
    after = cli.run("lineage", "show", "credit-risk@1", env=workspace.env)
    assert after.returncode == 0 and "run:train-42" in after.stdout
    assert cli.run("token", "create", "--role", "auditor", "--name", "ada", env=workspace.env).returncode == 0


def test_a_workspace_whose_webhook_tables_came_from_api_0001_upgrades(tmp_path, db_url):
    """Before the webhooks room owned its tables, ``api_0001`` created them; such a workspace lacks
    only the ``webhooks_0001`` stamp: it is refused, then `govern init` adopts the tables (and keeps
    their rows) instead of creating them twice."""
    from govern.core import GovernError
    from govern.workspace import Workspace

    ws_dir = tmp_path / ".govern"
    overrides = {"database_url": db_url} if db_url else {}
    with Workspace.init(ws_dir, **overrides) as ws:
        sub, _ = ws.subscribe_webhook("http://127.0.0.1:9/hook")
        with ws.store.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM alembic_version WHERE version_num = 'webhooks_0001'"))
    try:
        Workspace.open(ws_dir, **overrides)
        raise AssertionError("an older workspace must be refused")
    except GovernError as err:
        assert err.code == "workspace_outdated"
    with Workspace.init(ws_dir, **overrides) as ws:
        assert [s.id for s in ws.webhooks()] == [sub.id]
        with ws.store.read() as session:
            heads = set(session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        assert "webhooks_0001" in heads


def test_a_workspace_from_a_newer_govern_is_refused_cleanly(tmp_path, db_url):
    """A schema revision this govern does not know is a located refusal, not an internal error."""
    from govern.core import GovernError
    from govern.workspace import Workspace

    ws_dir = tmp_path / ".govern"
    overrides = {"database_url": db_url} if db_url else {}
    with Workspace.init(ws_dir, **overrides) as ws, ws.store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE alembic_version SET version_num = 'ledger_0099' WHERE version_num LIKE 'ledger_%'")
        )
    with pytest.raises(GovernError) as err:
        Workspace.open(ws_dir, **overrides)
    assert err.value.code == "workspace_newer"


def test_the_schema_check_reads_the_revision_graph_alembic_reads(tmp_path):
    """``check_schema`` answers "up to date" from the migration files without importing Alembic; the
    graph it reads (each revision -> its down revisions and dependencies) is the one Alembic builds."""
    from alembic.script import ScriptDirectory
    from alembic.util import to_tuple

    from govern.store._db import _revision_graph

    store = Store(f"sqlite:///{tmp_path / 'graph.db'}")
    with store.engine.connect() as conn:
        script = ScriptDirectory.from_config(store._alembic_config(conn))
    store.dispose()
    expected = {
        rev.revision: frozenset((*to_tuple(rev.down_revision, default=()), *to_tuple(rev.dependencies, default=())))
        for rev in script.walk_revisions()
    }
    assert _revision_graph() == expected
