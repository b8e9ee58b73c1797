"""Engine and sessions for the workspace database (SQLite default, PostgreSQL scale-out)."""

from __future__ import annotations

import ast
import functools
import os
import re
import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from govern.core import GovernError

from ._codes import (
    DATABASE_UNAVAILABLE,
    DATABASE_URL_INVALID,
    WORKSPACE_NEWER,
    WORKSPACE_NOT_INITIALIZED,
    WORKSPACE_OUTDATED,
)

if TYPE_CHECKING:
    from govern.core import Settings

Dialect = Literal["sqlite", "postgresql"]
_MIGRATIONS = Path(__file__).with_name("migrations")  # env.py: the plumbing every branch runs in
_PACKAGE = Path(__file__).resolve().parents[1]


def migration_dirs() -> list[Path]:
    """Every room's Alembic branch: the ``migrations`` folder next to the room's tables
    (``govern/<room>/migrations``, ``govern/api/web/migrations``). Store lists no room by name."""
    return sorted(
        p
        for pattern in ("*/migrations", "*/*/migrations")
        for p in _PACKAGE.glob(pattern)
        if p.is_dir() and p != _MIGRATIONS and any(p.glob("*_[0-9][0-9][0-9][0-9].py"))
    )


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` and use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is
        # deferred-only and would make write transactions race for the lock).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Straight to the driver: every write transaction starts here, and exec_driver_sql's
        # statement machinery costs more than the BEGIN itself. An error is raised as
        # exec_driver_sql raises it (sqlalchemy.exc.OperationalError, ...).
        statement = _BEGIN[conn.get_execution_options().get("govern_begin", "DEFERRED")]
        try:
            conn.connection.driver_connection.execute(statement)
        except error as exc:
            raise sa.exc.DBAPIError.instance(statement, None, exc, error, dialect=conn.dialect) from exc


def _configure_postgresql(engine: sa.Engine) -> None:
    # Instead of pool_pre_ping (a round trip on every checkout): a pooled connection whose
    # socket has something to read while idle was closed by the server (a restart,
    # pg_terminate_backend, an idle timeout: the server says FATAL and closes) and is replaced
    # before any statement runs on it. A connection that dies later fails its statement, and
    # SQLAlchemy invalidates it (``Store.driver_write`` does the same).
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, _record, _proxy):  # type: ignore[no-untyped-def]
        if _closed_by_server(dbapi_conn):
            raise sa.exc.DisconnectionError("the server closed this pooled connection")


def _closed_by_server(conn: Any) -> bool:
    """True when an idle psycopg connection is closed, broken, or its socket is readable (EOF, or
    the server's last message before it closed the session): no round trip."""
    if conn.closed or conn.broken:
        return True
    try:
        fd = conn.pgconn.socket
    except Exception:  # noqa: BLE001 - no socket: nothing to reuse
        return True
    if _POLL is not None:
        poller = _POLL()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


_INHERITED: list[Any] = []  # spare connections a forked child inherited: kept, never closed
_POLL = getattr(select, "poll", None)  # not on Windows: select() there
_BEGIN = {"DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE"}


class Store:
    """The workspace database: an engine plus transaction helpers.

    ``write()`` opens a transaction that holds the write lock from its first statement on
    SQLite (``BEGIN IMMEDIATE``), so read-modify-write sequences (the ledger head) never
    interleave; on PostgreSQL it is an ordinary transaction (rooms lock what they need).
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        kwargs: dict[str, object] = {"echo": echo, "future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_size=5, max_overflow=10)
        try:
            self.engine = sa.create_engine(self.url, **kwargs)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise GovernError(DATABASE_URL_INVALID, f"cannot use database URL: {exc}") from None
        self.dialect: Dialect = "sqlite" if self.engine.dialect.name == "sqlite" else "postgresql"
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        else:
            _configure_postgresql(self.engine)
        self._write_engine = self.engine.execution_options(govern_begin="IMMEDIATE")
        self._dbapi_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        # driver_write() keeps the connection it last used checked out, for the next one: the
        # pool's checkout and checkin (events, reset, queue) cost more than the append's own
        # statements. (pid, connection); list.pop/append keep threads from sharing one.
        self._spare: list[tuple[int, Any]] = []
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.resolved_database_url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        engine = self._write_engine if self.dialect == "sqlite" else self.engine
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def write_bind(self) -> sa.Engine:
        """What ``write()`` sessions are bound to (``session.get_bind()``), and ``driver_write()``
        connections come from: the key for state a room keeps per database (the ledger's head hint)."""
        return self._write_engine if self.dialect == "sqlite" else self.engine

    @contextmanager
    def driver_write(self, *, one_statement: bool = False) -> Iterator[Any]:
        """A write transaction on a pooled driver (DBAPI) connection, without a ``Session``: for a
        hot path of a few fixed statements (the ledger's single-entry append). Yields the
        ``sqlite3`` / ``psycopg`` connection; committed when the block ends, rolled back on any
        exception.

        SQLite: ``BEGIN IMMEDIATE`` (the write lock, as in ``write()``). PostgreSQL: the driver's
        transaction; with ``one_statement=True`` the caller runs exactly one statement and it runs
        in autocommit (one round trip: a single statement is its own transaction, atomic, and
        durable when it returns). Driver errors are raised as the SQLAlchemy exceptions
        ``write()`` raises (``sqlalchemy.exc.OperationalError``, ``IntegrityError``, ...); a
        connection lost mid-way is invalidated, never returned to the pool.
        """
        error: Any = self._dbapi_error
        fairy = self._checkout()
        conn: Any = fairy.driver_connection
        autocommit = one_statement and self.dialect == "postgresql"
        statement: str | None = "BEGIN IMMEDIATE"
        try:
            if self.dialect == "sqlite":
                conn.execute(statement)
            elif autocommit:
                conn.autocommit = True
            statement = None  # the caller's statements
            yield conn
            statement = "COMMIT"
            if not autocommit:
                conn.commit()
        except error as exc:
            with suppress(error):
                conn.rollback()
            lost = self.engine.dialect.is_disconnect(exc, conn, None)
            if lost:
                fairy.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                statement, None, exc, error, connection_invalidated=lost, dialect=self.engine.dialect
            ) from exc
        except BaseException:
            with suppress(error):
                conn.rollback()
            raise
        finally:
            if autocommit and fairy.is_valid:
                try:
                    conn.autocommit = False
                except error as exc:  # never pool a connection left in autocommit
                    fairy.invalidate(exc)
            if fairy.is_valid and not self._spare:
                self._spare.append((os.getpid(), fairy))  # ended by commit or rollback above
            else:
                fairy.close()

    def _checkout(self) -> Any:
        """A pooled connection for driver_write: the spare if it is usable, else the pool's."""
        try:
            pid, fairy = self._spare.pop()
        except IndexError:
            pass
        else:
            if pid != os.getpid():  # forked: the parent's connection, not ours to use or close
                _INHERITED.append(fairy)
            elif self.dialect == "postgresql" and _closed_by_server(fairy.driver_connection):
                fairy.invalidate()
                fairy.close()
            else:
                return fairy
        return self.write_bind.raw_connection()  # sqlalchemy.exc.OperationalError if unreachable

    def dispose(self) -> None:
        while self._spare:
            pid, fairy = self._spare.pop()
            if pid == os.getpid():
                fairy.close()
            else:
                _INHERITED.append(fairy)
        self.engine.dispose()

    # -- schema -------------------------------------------------------------------------------

    def _alembic_config(self, connection: sa.Connection):  # type: ignore[no-untyped-def]
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in migration_dirs()))
        cfg.attributes["connection"] = connection
        return cfg

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest revision of every room (idempotent).

        On PostgreSQL an advisory lock keeps several replicas from migrating at once.
        """
        from alembic import command

        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7423001)")
                command.upgrade(self._alembic_config(conn), "heads")
        except sa.exc.OperationalError as exc:
            raise GovernError(DATABASE_UNAVAILABLE, _short(exc)) from None

    def check_schema(self) -> None:
        """Raise unless the schema is at the newest revision (``govern init`` upgrades it).

        One query in the usual case: the revisions in ``alembic_version`` are compared with the
        graph read from the migration files (:func:`_revision_graph`), without importing Alembic.
        Anything but "up to date" (not initialized, older, newer, an unreadable migration file, a
        database error) is decided by Alembic itself, so every refusal is the same as ever.
        """
        if self._schema_is_current():
            return
        self._check_schema_with_alembic()

    def _schema_is_current(self) -> bool:
        graph = _revision_graph()
        if graph is None:
            return False
        try:
            with self.engine.connect() as conn:
                current = set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
        except sa.exc.DBAPIError:  # no table, no database: Alembic reports which
            return False
        if not current or not current <= graph.keys():
            return False
        # A head that depends on another branch's head stands for both in alembic_version.
        applied, todo = set(), list(current)
        while todo:
            rev = todo.pop()
            if rev not in applied:
                applied.add(rev)
                todo.extend(graph[rev])
        return applied == graph.keys()

    def _check_schema_with_alembic(self) -> None:
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from alembic.script.revision import RevisionError
        from alembic.util import CommandError

        try:
            with self.engine.connect() as conn:
                current = set(MigrationContext.configure(conn).get_current_heads())
                script = ScriptDirectory.from_config(self._alembic_config(conn))
                wanted = {rev.revision for rev in script.walk_revisions()}
                # A head that depends on another branch's head stands for both in alembic_version.
                applied = (
                    {
                        rev.revision
                        for rev in script.revision_map.iterate_revisions(tuple(current), "base")
                        if rev is not None
                    }
                    if current
                    else set()
                )
        except sa.exc.OperationalError as exc:
            raise GovernError(DATABASE_UNAVAILABLE, _short(exc)) from None
        except (CommandError, RevisionError) as exc:  # a revision this govern does not know: a newer govern's
            raise GovernError(
                WORKSPACE_NEWER, f"the database schema is newer than this govern ({exc}); upgrade govern"
            ) from None
        if not current:
            raise GovernError(WORKSPACE_NOT_INITIALIZED, "no govern schema in this database; run `govern init`")
        if not wanted <= applied:
            raise GovernError(
                WORKSPACE_OUTDATED,
                "the database schema is older than this govern; run `govern init` to upgrade",
            )


@functools.cache
def _revision_graph() -> dict[str, frozenset[str]] | None:
    """Every migration revision of every room -> the revisions it needs (``down_revision`` and
    ``depends_on``), read from the files' literal assignments; ``None`` when a file does not state
    them as literals or names something that is not a revision (a branch label): Alembic decides."""
    graph: dict[str, frozenset[str]] = {}
    for folder in migration_dirs():
        for path in folder.glob("*.py"):
            fields = _literal_assignments(path)
            revision = fields.get("revision")
            if not isinstance(revision, str) or revision in graph:
                return None
            needs: set[str] = set()
            for name in ("down_revision", "depends_on"):
                value = fields.get(name)
                refs = (value,) if isinstance(value, str) else value or ()
                if not isinstance(refs, (tuple, list)) or not all(isinstance(r, str) for r in refs):
                    return None
                needs.update(refs)
            graph[revision] = frozenset(needs)
    if not graph or any(not needs <= graph.keys() for needs in graph.values()):
        return None
    return graph


_ASSIGNMENT = re.compile(r"^(revision|down_revision|depends_on)\s*(?::[^=]*)?=\s*(.*?)\s*$", re.M)
_NOT_LITERAL = object()


def _literal_assignments(path: Path) -> dict[str, object]:
    """The module-level ``revision``/``down_revision``/``depends_on`` lines of a migration file (the
    form Alembic writes), each value a literal or ``_NOT_LITERAL``; one stated twice is ``_NOT_LITERAL``."""
    found: dict[str, object] = {}
    for name, source in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
        try:
            value = ast.literal_eval(source)
        except (ValueError, SyntaxError):
            value = _NOT_LITERAL
        found[name] = _NOT_LITERAL if name in found else value
    return found


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0] if text else type(exc).__name__
