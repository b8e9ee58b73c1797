"""Appending to the ledger inside the caller's transaction, and reading it back.

Every append locks the head row first: on SQLite the caller's ``Store.write()`` transaction
already holds the database write lock (``BEGIN IMMEDIATE``); on PostgreSQL the head row is taken
``FOR UPDATE``. So appends from any number of processes or replicas serialize on the head, the
sequence stays gap-free and every ``prev`` is its predecessor's hash. Nothing here commits: the
entry commits or rolls back with the caller's state change.

The hot path (one entry, no idempotency key) skips reading the head: it builds the entry on the
head this process last wrote or read (kept per engine, a hint only) and sends one statement that
moves the head row from exactly that state to the new one and inserts the entry only if it did
(compare-and-swap under the head row's lock, on the caller's DBAPI connection). If another
writer got there first nothing is written and the append runs the locking path above.
"""

from __future__ import annotations

import contextlib
import hashlib
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, canonical_json, clock_override, isoformat, utcnow

from ._codes import (
    LEDGER_ACTOR_INVALID,
    LEDGER_ENTRY_NOT_CANONICAL,
    LEDGER_KIND_UNKNOWN,
    LEDGER_NOT_INITIALIZED,
    LEDGER_PAYLOAD_INVALID,
    LEDGER_TREE_INCOMPLETE,
    LEDGER_WRITE_FAILED,
)
from ._entry import Entry, decode_entry, entry_bytes
from ._kinds import EVENT_KINDS
from ._merkle import Frontier

if TYPE_CHECKING:
    from govern.store import Store

TILE = 8  # levels per stored tile: nodes are kept at levels 8, 16, 24, ...
_COLUMNS = "data, hash, idempotency_key"

_SELECT_HEAD = sa.text("SELECT seq, hash, frontier FROM ledger_head WHERE id = 1")
_SELECT_HEAD_LOCKED = sa.text("SELECT seq, hash, frontier FROM ledger_head WHERE id = 1 FOR UPDATE")
_UPDATE_HEAD = sa.text("UPDATE ledger_head SET seq = :seq, hash = :hash, frontier = :frontier WHERE id = 1")
_INSERT_ENTRY = sa.text(
    "INSERT INTO ledger_entry (seq, kind, time, data, hash, idempotency_key) "
    "VALUES (:seq, :kind, :time, :data, :hash, :idempotency_key)"
)
_INSERT_NODE = sa.text("INSERT INTO ledger_node (level, idx, hash) VALUES (:level, :idx, :hash)")
# The compare-and-swap append (see the module docstring). On PostgreSQL one statement: the UPDATE
# takes the head row's lock (waiting for a concurrent writer, then re-checking its WHERE on the row
# that writer committed) and the INSERT selects from what it returned, so both happen or neither.
_CAS_HEAD = {
    "sqlite": "UPDATE ledger_head SET seq = ?, hash = ?, frontier = ? WHERE id = 1 AND seq = ? AND hash = ?",
}
_CAS_ENTRY = {
    "sqlite": "INSERT INTO ledger_entry (seq, kind, time, data, hash, idempotency_key) VALUES (?, ?, ?, ?, ?, NULL)",
    "postgresql": (
        "WITH head AS (UPDATE ledger_head SET seq = %s, hash = %s, frontier = %s"
        " WHERE id = 1 AND seq = %s AND hash = %s RETURNING 1)"
        " INSERT INTO ledger_entry (seq, kind, time, data, hash, idempotency_key)"
        " SELECT %s, %s, %s, %s, %s, NULL FROM head"
    ),
}
_CAS_NODE = {
    "sqlite": "INSERT INTO ledger_node (level, idx, hash) VALUES (?, ?, ?)",
    "postgresql": "INSERT INTO ledger_node (level, idx, hash) VALUES (%s, %s, %s)",
}
# engine -> the head as this process last saw it written or read. Only a hint: an append built
# on it writes nothing unless the stored head is exactly this one.
_LAST_HEAD: weakref.WeakKeyDictionary[Any, Head] = weakref.WeakKeyDictionary()
_BY_KEYS = sa.text(f"SELECT {_COLUMNS} FROM ledger_entry WHERE idempotency_key IN :keys").bindparams(
    sa.bindparam("keys", expanding=True)
)


@dataclass(frozen=True, slots=True)
class Event:
    """One event to append: who did what, with a JSON payload (digests of evidence, not evidence)."""

    actor: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str
    frontier: Frontier


def _entry(row: Any, seq: int | None = None, kind: str | None = None) -> Entry:
    """The entry a ``data, hash, idempotency_key`` row stores. A row whose bytes are not an entry,
    or not the entry its ``seq`` / ``kind`` columns say, fails (``ledger_entry_not_canonical``)
    rather than being read as something else (``govern audit verify`` names it)."""
    try:
        entry = decode_entry(bytes(row.data), row.hash, row.idempotency_key)
    except (ValueError, TypeError):
        entry = None
    if entry is None or seq not in (None, entry.seq) or kind not in (None, entry.kind):
        raise GovernError(LEDGER_ENTRY_NOT_CANONICAL, "a stored ledger entry is not the entry its row says")
    return entry


def lock_head(session: Session) -> Head:
    """Read the head, holding the lock that serializes appends until the caller's transaction ends."""
    dialect = session.get_bind().dialect.name
    row = session.execute(_SELECT_HEAD_LOCKED if dialect == "postgresql" else _SELECT_HEAD).first()
    if row is None:
        raise GovernError(LEDGER_NOT_INITIALIZED, "the ledger head is missing; run `govern init`")
    return Head(row.seq, row.hash, Frontier.load(row.seq, row.frontier))


def _remember(session: Session, head: Head) -> None:
    with contextlib.suppress(TypeError):  # a bind that cannot be weakly referenced: no hint kept
        _LAST_HEAD[session.get_bind()] = head


@dataclass(frozen=True, slots=True)
class _Next:
    """An entry built on a remembered head, with what the compare-and-swap writes for it."""

    head: Head
    entry: Entry
    data: bytes
    frontier: Frontier
    nodes: list[tuple[int, int, str]]


def _now_text(pinned: str | None) -> str:
    """``isoformat(utcnow())`` with :func:`clock_override`'s answer already read (the hot path
    reads the environment once per append)."""
    if pinned:
        return isoformat(utcnow())
    # datetime.isoformat is C; strftime is several times slower. Same text for a UTC time.
    return datetime.now(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def _next_on(head: Head, event: Event, payload: str, time: str) -> _Next:
    frontier = head.frontier.copy()
    seq = head.seq + 1
    data = entry_bytes(seq, time, event.actor, event.kind, payload, head.hash)
    digest = hashlib.sha256(data).digest()
    nodes = [
        (level, idx, h.hex())
        for level, idx, h in frontier.push(hashlib.sha256(b"\x00" + digest).digest())
        if level % TILE == 0
    ]
    entry = Entry(seq, time, event.actor, event.kind, payload, head.hash, digest.hex(), None)
    return _Next(head, entry, data, frontier, nodes)


def _write_cas(conn: Any, dialect: str, nxt: _Next) -> bool:
    """Run the compare-and-swap on a DBAPI connection inside a transaction (or, on PostgreSQL
    without nodes to store, as the one statement of an autocommit block); False: the stored head
    is not ``nxt.head`` and nothing was written. Driver errors propagate as the driver raises them."""
    head, entry = nxt.head, nxt.entry
    new_head = (entry.seq, entry.hash, nxt.frontier.dump())
    row = (entry.seq, entry.kind, entry.time, nxt.data, entry.hash)
    cur = conn.cursor()
    try:
        if dialect == "sqlite":
            cur.execute(_CAS_HEAD["sqlite"], (*new_head, head.seq, head.hash))
            if cur.rowcount != 1:
                return False
            cur.execute(_CAS_ENTRY["sqlite"], row)
        else:
            cur.execute(_CAS_ENTRY["postgresql"], (*new_head, head.seq, head.hash, *row))
            if cur.rowcount != 1:
                return False
        if nxt.nodes:
            cur.executemany(_CAS_NODE[dialect], nxt.nodes)
    finally:
        cur.close()
    return True


def _append_cas(session: Session, event: Event, payload: str, time: str) -> Entry | None:
    """The hot path: one entry on the remembered head, or None (nothing written) if the stored
    head is not that one any more (or none is remembered)."""
    bind = session.get_bind()
    head = _LAST_HEAD.get(bind)
    if head is None:
        return None
    nxt = _next_on(head, event, payload, time)
    # The caller's transaction, on its own DBAPI connection (SQLite: BEGIN IMMEDIATE has run).
    conn: Any = session.connection().connection.driver_connection
    try:
        if not _write_cas(conn, bind.dialect.name, nxt):
            return None
    except bind.dialect.loaded_dbapi.Error as exc:
        # Raised as SQLAlchemy would have raised it (IntegrityError, OperationalError ...), so
        # callers and the API's error handlers see the same types on either path.
        raise sa.exc.DBAPIError.instance(
            "ledger append", None, exc, bind.dialect.loaded_dbapi.Error, dialect=bind.dialect
        ) from exc
    _remember(session, Head(nxt.entry.seq, nxt.entry.hash, nxt.frontier))
    return nxt.entry


def append_committed(
    store: Store, *, actor: str, kind: str, payload: dict[str, Any], idempotency_key: str | None = None
) -> Entry:
    """:func:`record` for an event that is a transaction of its own (no state change of the
    caller's to commit with it): the entry is committed, durably, before this returns.

    The usual case (no ``idempotency_key``, this process wrote or read the head last) is the
    compare-and-swap on a pooled driver connection (``Store.driver_write``: no ``Session``; on
    PostgreSQL one autocommit statement, one round trip). Anything else, a stale head included,
    takes :func:`append` in a ``Store.write()`` transaction. Same errors as :func:`record`:
    ``GovernError``, ``ledger_write_failed`` for any database error; never a success that was
    not committed.
    """
    try:
        bind = store.write_bind
        head = _LAST_HEAD.get(bind) if idempotency_key is None else None
        if head is not None:
            event = Event(actor, kind, payload)
            pinned = clock_override()
            nxt = _next_on(head, event, _check(event, unsafe_clock=pinned is not None), _now_text(pinned))
            with store.driver_write(one_statement=not nxt.nodes) as conn:
                written = _write_cas(conn, store.dialect, nxt)
            if written:
                with contextlib.suppress(TypeError):
                    _LAST_HEAD[bind] = Head(nxt.entry.seq, nxt.entry.hash, nxt.frontier)
                return nxt.entry
        with store.write() as session:
            return append(session, actor=actor, kind=kind, payload=payload, idempotency_key=idempotency_key)
    except GovernError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed write is never reported as written
        raise GovernError(LEDGER_WRITE_FAILED, f"the audit ledger could not be written: {exc}") from None


def read_head(session: Session) -> Head:
    """The head as of this session's snapshot, without locking."""
    row = session.execute(_SELECT_HEAD).first()
    if row is None:
        raise GovernError(LEDGER_NOT_INITIALIZED, "the ledger head is missing; run `govern init`")
    return Head(row.seq, row.hash, Frontier.load(row.seq, row.frontier))


def _check(event: Event, *, unsafe_clock: bool = False) -> str:
    if event.kind not in EVENT_KINDS:
        raise GovernError(LEDGER_KIND_UNKNOWN, f"{event.kind!r} is not a ledger event kind (see EVENT_KINDS)")
    if not isinstance(event.actor, str) or not event.actor or len(event.actor) > 256:
        raise GovernError(LEDGER_ACTOR_INVALID, "actor must be a non-empty string of <= 256 characters")
    if not isinstance(event.payload, dict):
        raise GovernError(LEDGER_PAYLOAD_INVALID, "payload must be a JSON object")
    try:
        event.actor.encode()
    except UnicodeEncodeError:
        raise GovernError(LEDGER_ACTOR_INVALID, "actor contains a lone surrogate") from None
    # An entry timed by the unsafe test clock says so inside what its hash covers.
    return canonical_json({**event.payload, "unsafe_clock": True} if unsafe_clock else event.payload).decode()


def append(
    session: Session,
    *,
    actor: str,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
) -> Entry:
    """Append one entry in the caller's transaction and return it.

    ``session`` must come from ``Store.write()`` (on SQLite that transaction holds the write
    lock). The entry commits with the caller's other changes, or not at all. An
    ``idempotency_key`` already in the ledger returns that first entry and appends nothing.

    Raises ``GovernError`` ``ledger_kind_unknown`` (kind not in ``EVENT_KINDS``),
    ``ledger_actor_invalid``, ``ledger_payload_invalid``, ``canonical_json_error`` (NaN,
    infinities, non-JSON values), ``ledger_not_initialized``; database errors propagate, so the
    caller's transaction fails with its entry.
    """
    return append_batch(session, [Event(actor, kind, payload, idempotency_key)])[0]


def append_batch(session: Session, events: Sequence[Event]) -> list[Entry]:
    """Append ``events`` in order in the caller's transaction; one entry per event.

    Events whose idempotency key is already in the ledger (or earlier in the batch) yield the
    first entry with that key. Same errors as :func:`append`; one bad event fails the batch.
    """
    pinned = clock_override()
    payloads = [_check(event, unsafe_clock=pinned is not None) for event in events]
    if len(events) == 1 and events[0].idempotency_key is None:
        entry = _append_cas(session, events[0], payloads[0], _now_text(pinned))
        if entry is not None:
            return [entry]
    head = lock_head(session)
    keys = {e.idempotency_key for e in events if e.idempotency_key is not None}
    known: dict[str, Entry] = {}
    if keys:
        for row in session.execute(_BY_KEYS, {"keys": sorted(keys)}):
            known[row.idempotency_key] = _entry(row)
    frontier = head.frontier
    seq, prev = head.seq, head.hash
    time = _now_text(pinned)
    out: list[Entry] = []
    rows: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for event, payload in zip(events, payloads, strict=True):
        if event.idempotency_key is not None and event.idempotency_key in known:
            out.append(known[event.idempotency_key])
            continue
        seq += 1
        data = entry_bytes(seq, time, event.actor, event.kind, payload, prev)
        digest = hashlib.sha256(data).digest()
        entry = Entry(
            seq=seq,
            time=time,
            actor=event.actor,
            kind=event.kind,
            payload_text=payload,
            prev=prev,
            hash=digest.hex(),
            idempotency_key=event.idempotency_key,
        )
        for level, idx, h in frontier.push(hashlib.sha256(b"\x00" + digest).digest()):
            if level % TILE == 0:
                nodes.append({"level": level, "idx": idx, "hash": h.hex()})
        rows.append(
            {
                "seq": seq,
                "kind": entry.kind,
                "time": time,
                "data": data,
                "hash": entry.hash,
                "idempotency_key": entry.idempotency_key,
            }
        )
        if entry.idempotency_key is not None:
            known[entry.idempotency_key] = entry
        out.append(entry)
        prev = entry.hash
    if rows:
        session.execute(_INSERT_ENTRY, rows if len(rows) > 1 else rows[0])
        if nodes:
            session.execute(_INSERT_NODE, nodes)
        session.execute(_UPDATE_HEAD, {"seq": seq, "hash": prev, "frontier": frontier.dump()})
    _remember(session, Head(seq, prev, frontier.copy()))
    return out


def record(
    session: Session, *, actor: str, kind: str, payload: dict[str, Any], idempotency_key: str | None = None
) -> Entry:
    """:func:`append` for a room's own state change: the entry commits with it, and any failure to
    write it fails the caller's transaction as ``GovernError`` (``ledger_write_failed`` for a
    database error), so a change is never kept without its entry (fail closed)."""
    try:
        return append(session, actor=actor, kind=kind, payload=payload, idempotency_key=idempotency_key)
    except GovernError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed write must stop the state change
        raise GovernError(LEDGER_WRITE_FAILED, f"the audit ledger could not be written: {exc}") from None


def last_seq(session: Session, *, excluding: Sequence[str] = ()) -> int:
    """The sequence number of the newest entry whose kind is not in ``excluding`` (0 if none)."""
    query = "SELECT COALESCE(MAX(seq), 0) FROM ledger_entry"
    if excluding:
        query += " WHERE kind NOT IN :kinds"
        stmt = sa.text(query).bindparams(sa.bindparam("kinds", expanding=True))
        return int(session.execute(stmt, {"kinds": list(excluding)}).scalar_one())
    return int(session.execute(sa.text(query)).scalar_one())


def get_entry(session: Session, seq: int) -> Entry | None:
    row = session.execute(sa.text(f"SELECT {_COLUMNS} FROM ledger_entry WHERE seq = :seq"), {"seq": seq}).first()
    return _entry(row, seq) if row is not None else None


def iter_entries(
    session: Session, *, since: int = 0, kind: str | None = None, limit: int | None = None, chunk: int = 1000
) -> Iterator[Entry]:
    """Entries with ``seq > since`` (optionally of one ``kind``), in sequence order, read in chunks."""
    where = "seq > :after" + (" AND kind = :kind" if kind else "")
    query = sa.text(f"SELECT seq, {_COLUMNS} FROM ledger_entry WHERE {where} ORDER BY seq LIMIT :n")
    after, left = since, limit
    while left is None or left > 0:
        n = chunk if left is None else min(chunk, left)
        rows = session.execute(query, {"after": after, "kind": kind, "n": n}).all()
        for row in rows:
            yield _entry(row, row.seq, kind)
        if len(rows) < n:
            return
        after = rows[-1].seq
        if left is not None:
            left -= len(rows)


class TreeReader:
    """Perfect-subtree hashes of the stored tree, read as tiles of 256 and cached.

    A subtree at ``level`` is computed from at most 128 nodes of one tile at the nearest stored
    level below it (entry hashes at level 0, ``ledger_node`` rows at 8, 16, ...), so a proof at a
    million entries reads a handful of short ranges.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._tiles: dict[tuple[int, int], list[list[bytes]]] = {}

    def _tile(self, base: int, t: int) -> list[list[bytes]]:
        tile = self._tiles.get((base, t))
        if tile is None:
            lo = t << TILE
            if base == 0:
                rows = self.session.execute(
                    sa.text("SELECT hash FROM ledger_entry WHERE seq > :lo AND seq <= :hi ORDER BY seq"),
                    {"lo": lo, "hi": lo + (1 << TILE)},
                ).scalars()
                level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in rows]
            else:
                rows = self.session.execute(
                    sa.text(
                        "SELECT hash FROM ledger_node WHERE level = :level AND idx >= :lo AND idx < :hi ORDER BY idx"
                    ),
                    {"level": base, "lo": lo, "hi": lo + (1 << TILE)},
                ).scalars()
                level = [bytes.fromhex(h) for h in rows]
            tile = [level]
            while len(level) > 1:
                level = [
                    hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
                ]
                tile.append(level)
            self._tiles[(base, t)] = tile
        return tile

    def perfect(self, level: int, index: int) -> bytes:
        base = level - level % TILE
        d = level - base
        first = index << d  # first node at the base level
        tile = self._tile(base, first >> TILE)
        try:
            return tile[d][(first & ((1 << TILE) - 1)) >> d]
        except IndexError:
            raise GovernError(
                LEDGER_TREE_INCOMPLETE,
                f"the stored tree lacks the subtree at level {level}, index {index}",
            ) from None
