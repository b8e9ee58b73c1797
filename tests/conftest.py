"""Shared fixtures: database backends (SQLite and PostgreSQL through one suite) and the CLI."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from govern_testkit import CliForkServer, govern_command, workspace_env

PG_ADMIN_URL = os.environ.get("GOVERN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))


def _pg_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session (per xdist worker)."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001
        _pg_unavailable(str(exc))
        return
    name = f"govern_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty schema-isolated PostgreSQL database URL for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Run the test once on SQLite (None: the workspace default) and once on PostgreSQL."""
    if request.param == "sqlite":
        return None
    request.getfixturevalue("pg_server")
    return str(request.getfixturevalue("pg_url"))


@dataclass
class Workspace:
    path: Path
    database_url: str | None

    @property
    def env(self) -> dict[str, str]:
        return workspace_env(self.path, self.database_url)


@pytest.fixture
def workspace(tmp_path: Path, db_url: str | None) -> Workspace:
    """An initialized workspace on the parametrized backend, created by ``govern init``."""
    ws = Workspace(tmp_path / ".govern", db_url)
    result = run_cli("init", env=ws.env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return ws


CLI = CliForkServer()


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, input: str | None = None, exec: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``govern`` in a process of its own: forked from the fork server (govern imported once),
    or with ``exec=True`` (or ``GOVERN_TEST_CLI=exec`` in the environment) the console script."""
    if not exec and os.environ.get("GOVERN_TEST_CLI") != "exec":
        done = CLI.run(list(args), env, cwd, input, timeout=600)
        if done is not None:
            return done
    return subprocess.run(
        [*govern_command(), *args],
        env=env,
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def cli() -> type:
    """Access to :func:`run_cli` from tests without importing conftest."""

    class _Cli:
        run = staticmethod(run_cli)

    return _Cli


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups (--dist loadgroup)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests sharing a module-scoped fixture (a demo workspace, a rendered PDF) run on one
    xdist worker, so it is built once, not once per worker; explicit groups are kept."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or item.get_closest_marker("xdist_group") is not None:
            continue
        fixtures = info.name2fixturedefs
        shared = any(fixtures.get(name) and fixtures[name][-1].scope == "module" for name in item.fixturenames)
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


GROUPING_LOST: list[str] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """Notice when ``--dist loadgroup`` is on but the groups did not reach the node ids.

    xdist groups by a ``@group`` suffix its worker writes into each node id; when a pytest release
    stops honouring that write (pytest 9.2, pytest-xdist#1386), every group is silently spread over
    the workers, and each worker builds the shared fixtures (Spark, Ray, the demo workspace) again."""
    if getattr(session.config.option, "loadgroup", False):
        grouped = [item.nodeid for item in session.items if item.get_closest_marker("xdist_group")]
        GROUPING_LOST.extend(nodeid for nodeid in grouped if "@" not in nodeid)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if GROUPING_LOST:
        pytest.fail(
            f"--dist loadgroup is not grouping {len(GROUPING_LOST)} tests (e.g. {GROUPING_LOST[0]}): "
            "see the pytest pin in pyproject.toml",
            pytrace=False,
        )
