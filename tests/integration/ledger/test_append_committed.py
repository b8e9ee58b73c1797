"""``ledger.append_committed`` and the store paths under it, on SQLite and PostgreSQL.

The lean append (``Store.driver_write``: a pooled driver connection, no ``Session``) must chain
exactly like ``append`` in ``Store.write()``, fall back to the locking path on a stale head, fail
closed (nothing written, ``ledger_write_failed``), and survive connections the server closed,
with no pre-ping round trip.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from govern import ledger
from govern.core import GovernError
from govern.ledger import _log
from govern.store import Store
from govern.workspace import Workspace


def _spy_cas(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record each compare-and-swap on a driver connection (True: it wrote the entry)."""
    outcomes: list[bool] = []
    write_cas: Callable[..., bool] = _log._write_cas

    def counted(*args: Any) -> bool:
        outcomes.append(write_cas(*args))
        return outcomes[-1]

    monkeypatch.setattr(_log, "_write_cas", counted)
    return outcomes


def _entries(ws: Workspace) -> list[ledger.Entry]:
    with ws.store.read() as session:
        return list(ledger.iter_entries(session))


def test_committed_appends_chain_with_session_appends(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = _spy_cas(monkeypatch)
    first = ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 0})  # no hint yet
    with ws.store.write() as session:
        second = ledger.append(session, actor="a", kind="evidence.added", payload={"i": 1})
    rest = [
        ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": i}) for i in range(2, 300)
    ]
    assert outcomes.count(True) >= 298  # the lean path ran (and wrote) for every later append
    assert [e.seq for e in (first, second, *rest)] == list(range(1, 301))
    assert _entries(ws) == [first, second, *rest]
    assert ledger.verify(ws.store, workers=1).size == 300  # 300 > 256: a stored tree node on the way


def test_idempotency_key_takes_the_locking_path(ws: Workspace) -> None:
    first = ledger.append_committed(ws.store, actor="ci", kind="gate.decided", payload={"n": 1}, idempotency_key="k")
    again = ledger.append_committed(ws.store, actor="ci", kind="gate.decided", payload={"n": 2}, idempotency_key="k")
    assert again == first and ledger.verify(ws.store).size == 1


def test_stale_head_falls_back_and_keeps_one_chain(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = _spy_cas(monkeypatch)
    other = Store(ws.store.url)
    try:
        ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 0})
        ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 1})
        ledger.append_committed(other, actor="b", kind="evidence.added", payload={"i": 2})
        ledger.append_committed(other, actor="b", kind="evidence.added", payload={"i": 3})
        last = ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 4})  # stale hint
    finally:
        other.dispose()
    assert False in outcomes and True in outcomes
    assert last.seq == 5 and [e.payload["i"] for e in _entries(ws)] == list(range(5))
    assert ledger.verify(ws.store, workers=1).size == 5


def test_error_in_the_lean_path_writes_nothing_and_fails_closed(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = _spy_cas(monkeypatch)
    first = ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 0})
    with ws.store.write() as session:  # a row at the next seq: the lean INSERT fails after its head UPDATE
        session.execute(
            sa.text("INSERT INTO ledger_entry (seq, kind, time, data, hash) VALUES (2, 'x', 't', :d, 'h')"), {"d": b"x"}
        )
    with pytest.raises(GovernError) as err:
        ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 1})
    assert err.value.code == "ledger_write_failed"
    assert outcomes == []  # the spy saw no return: the error came out of the compare-and-swap
    with ws.store.read() as session:
        head = ledger.read_head(session)
        assert (head.seq, head.hash) == (1, first.hash)  # the head UPDATE rolled back with the INSERT
        assert session.execute(sa.text("SELECT COUNT(*) FROM ledger_entry")).scalar() == 2


def test_bad_event_is_refused_before_anything_is_written(ws: Workspace) -> None:
    ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"i": 0})
    with pytest.raises(GovernError) as err:
        ledger.append_committed(ws.store, actor="a", kind="gate.allowed.anyway", payload={})
    assert err.value.code == "ledger_kind_unknown"
    with pytest.raises(GovernError) as err:
        ledger.append_committed(ws.store, actor="a", kind="evidence.added", payload={"x": float("nan")})
    assert err.value.code == "canonical_json_error"
    assert ledger.verify(ws.store).size == 1


def test_driver_write_rolls_back_and_raises_sqlalchemy_types(ws: Workspace) -> None:
    sqlite = ws.store.dialect == "sqlite"
    insert = "INSERT INTO ingested_event (digest, source, ingested_at) VALUES ('d', 's', CURRENT_TIMESTAMP)"
    with pytest.raises(RuntimeError), ws.store.driver_write() as conn:
        conn.execute(insert)
        raise RuntimeError("the caller failed")
    with pytest.raises(sa.exc.IntegrityError), ws.store.driver_write() as conn:
        conn.execute(insert)
        conn.execute(insert)  # the same digest twice
    missing_table = sa.exc.OperationalError if sqlite else sa.exc.ProgrammingError
    with pytest.raises(missing_table), ws.store.driver_write(one_statement=True) as conn:
        conn.execute("SELECT * FROM no_such_table")
    with ws.store.read() as session:
        assert session.execute(sa.text("SELECT COUNT(*) FROM ingested_event")).scalar() == 0
    if not sqlite:  # an autocommit block never leaves its connection in autocommit for the pool
        with ws.store.driver_write(one_statement=True) as conn:
            conn.execute("SELECT 1")
        raw = ws.store.engine.raw_connection()
        try:
            assert raw.driver_connection.autocommit is False
        finally:
            raw.close()


def test_driver_write_reuses_its_connection_but_not_across_fork(ws: Workspace) -> None:
    """The connection a driver_write ended with serves the next one; a forked child (the
    verifier's workers fork) never uses or closes the one it inherited."""
    store = ws.store
    with store.driver_write() as conn:
        first = conn
    with store.driver_write() as conn:
        assert conn is first
    pid = os.fork()
    if pid == 0:  # the child: what SQLAlchemy asks of a forked process, then a write of its own
        code = 1
        try:
            store.engine.dispose(close=False)
            with store.driver_write() as conn:
                code = 0 if conn is not first else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 0})
    with store.driver_write() as conn:  # the parent's connection survived the child
        assert conn is first
    assert ledger.verify(store, workers=1).size == 1


# -- PostgreSQL: a server that closed its connections (a restart) is survived without pre-ping


def _terminate_backends(store: Store) -> None:
    """What a client sees of a server restart: the server ends every session of this database."""
    admin = sa.create_engine(store.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            mine = "pid <> pg_backend_pid() AND datname = current_database()"
            conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {mine}")
            for _ in range(200):  # pg_terminate_backend signals; wait until the sessions are gone
                if not conn.exec_driver_sql(f"SELECT COUNT(*) FROM pg_stat_activity WHERE {mine}").scalar():
                    break
                time.sleep(0.01)
    finally:
        admin.dispose()


@pytest.fixture
def pg_ws(tmp_path: Path, pg_url: str) -> Iterator[Workspace]:
    """A workspace on PostgreSQL only: SQLite has no server to restart."""
    workspace = Workspace.init(tmp_path / ".govern", database_url=pg_url)
    try:
        yield workspace
    finally:
        workspace.close()


def test_pool_does_not_pre_ping(pg_ws: Workspace) -> None:
    assert pg_ws.store.engine.pool._pre_ping is False  # the round trip this replaces


def test_connections_closed_by_the_server_are_replaced_before_use(pg_ws: Workspace) -> None:
    store = pg_ws.store
    with store.write() as s1, store.write() as s2:  # two pooled connections
        ledger.append(s1, actor="a", kind="evidence.added", payload={"i": 0})
        s2.execute(sa.text("SELECT 1"))
    ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 1})
    _terminate_backends(store)
    with store.write() as session:
        ledger.append(session, actor="a", kind="evidence.added", payload={"i": 2})
    ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 3})
    _terminate_backends(store)
    ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 4})
    assert [e.payload["i"] for e in _entries(pg_ws)] == list(range(5))


def test_connection_lost_mid_append_fails_closed_and_is_not_pooled(
    pg_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = pg_ws.store
    first = ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 0})
    write_cas = _log._write_cas

    def killed_first(conn: Any, dialect: str, nxt: Any) -> bool:
        _terminate_backends(store)  # the server goes away after checkout, before the statement
        return write_cas(conn, dialect, nxt)

    monkeypatch.setattr(_log, "_write_cas", killed_first)
    with pytest.raises(GovernError) as err:
        ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 1})
    assert err.value.code == "ledger_write_failed"
    monkeypatch.setattr(_log, "_write_cas", write_cas)
    again = ledger.append_committed(store, actor="a", kind="evidence.added", payload={"i": 1})
    assert (again.seq, again.prev) == (2, first.hash)
    assert ledger.verify(store).size == 2
