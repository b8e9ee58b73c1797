"""Verifying one aligned range of entries: the hot loop of ``govern audit verify``.

A range is entries ``lo+1 .. hi`` where ``lo`` is a multiple of a power of two ``R >= hi - lo``,
so the leaves of the range form one perfect subtree of the whole tree (or, for the last range, a
prefix of one), and the range's Merkle frontier is exact by itself. :func:`scan` checks every
entry of the range that it can check alone (its bytes hash to the stored hash, they carry its
``seq`` and the previous entry's hash, the ``kind``/``time`` columns agree with them, the stored
tile nodes inside the range) and returns a :class:`RangeResult`: the range's frontier, the
boundary hashes (the first entry's ``prev``, the last entry's hash), the local frontier and hash
at each requested checkpoint size, and the first failure. The caller merges the results in order
(``_verify._merge``), which checks what spans ranges; the merge is exact, so verifying in one
process or in several gives the same answer and the same first failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

TILE = 8  # stored tile nodes are at levels 8, 16, 24, ... (as in _log)
_TIME_TAIL = 29  # 27-character time and the closing '"}'

# Codes (as in _codes; repeated here so the worker imports nothing else).
HASH_MISMATCH = "ledger_hash_mismatch"
LINK_BROKEN = "ledger_link_broken"
SEQUENCE_GAP = "ledger_sequence_gap"
NODE_MISMATCH = "ledger_node_mismatch"
NOT_CANONICAL = "ledger_entry_not_canonical"
INDEX_MISMATCH = "ledger_index_mismatch"

Row = tuple[Any, Any, Any]  # entry bytes, stored hex hash (None: nothing stored), index columns agree


@dataclass
class Failure:
    code: str
    message: str
    seq: int


@dataclass
class RangeResult:
    """What one range showed: enough for the merge to continue the chain and the tree exactly."""

    lo: int
    end: int  # the last entry checked (lo when none)
    first_prev: str | None  # the first entry's prev, checked against the previous range's last hash
    last_hash: str | None
    frontier: list[bytes]  # perfect-subtree roots of entries lo+1 .. end, largest first
    anchors: list[tuple[int, list[bytes], str]] = field(default_factory=list)  # (size, frontier, hash)
    failure: Failure | None = None


def _diagnose(seq: int, data: Any, prev: str | None, agree: Any) -> Failure:
    """Why an entry failed the fast checks (``prev`` None: the first entry of a range)."""
    if not isinstance(data, bytes):
        return Failure(NOT_CANONICAL, f"entry {seq}'s stored bytes are not bytes", seq)
    from ._entry import split_entry

    try:
        got_seq, _time, _actor, _kind, _payload, got_prev = split_entry(data)
    except ValueError:
        return Failure(NOT_CANONICAL, f"entry {seq}'s stored bytes are not laid out as an entry", seq)
    if got_seq > seq:
        return Failure(SEQUENCE_GAP, f"entry {seq} is missing (next is {got_seq})", seq)
    if got_seq < seq:
        return Failure(SEQUENCE_GAP, f"entry {got_seq} appears twice or out of order (at {seq})", seq)
    if prev is not None and got_prev != prev:
        return Failure(LINK_BROKEN, f"entry {seq}'s prev is not entry {seq - 1}'s hash", seq)
    if not agree:
        return Failure(INDEX_MISMATCH, f"entry {seq}'s kind or time column differs from its entry bytes", seq)
    return Failure(NOT_CANONICAL, f"entry {seq}'s stored bytes are not laid out as an entry", seq)


def _first_prev(seq: int, data: Any) -> str | None:
    """The ``prev`` an entry's bytes carry, read at its fixed place (None: not where it must be)."""
    if not isinstance(data, bytes):
        return None
    at = len(data) - _TIME_TAIL - 9 - len(str(seq)) - 8 - 64
    return data[at : at + 64].decode("ascii", "replace") if at > 0 else None


def scan(
    lo: int,
    chunks: Iterable[Sequence[Row]],
    *,
    prev: str | None,
    anchors: Sequence[int] = (),
    nodes: dict[tuple[int, int], str] | None = None,
) -> RangeResult:
    """Check the entries ``lo+1, lo+2, ...`` that ``chunks`` yields, in order, until a failure.

    ``prev`` is the hash the first entry must link to (None: unknown here; its ``prev`` is
    returned as ``first_prev`` for the merge). ``anchors`` are sizes at which to record the local
    frontier and the entry hash. ``nodes`` maps ``(level, index)`` to the stored hex hash of every
    tile node this range completes; each must be present and equal (None: no nodes to check).
    """
    sha256 = hashlib.sha256
    want = iter(sorted(anchors))
    next_anchor = next(want, -1)
    frontier: list[bytes] = []
    out = RangeResult(lo, lo, None, None, frontier)
    seq = lo
    first = prev is None
    check_nodes = nodes is not None
    try:
        for chunk in chunks:
            for data, stored, agree in chunk:
                seq += 1
                digest = sha256(data).digest()
                hexdigest = digest.hex()
                if hexdigest != stored and stored is not None:
                    out.failure = Failure(HASH_MISMATCH, f"entry {seq} does not hash to its stored hash", seq)
                    return out
                if first:
                    first = False
                    prev = out.first_prev = _first_prev(seq, data)
                # The entry's bytes end with its prev, its seq and a 27-character time: checked in
                # place, without parsing (a mismatch is diagnosed by parsing, off the hot path).
                if not (
                    agree
                    and data.endswith(f',"prev":"{prev}","seq":{seq},"time":"'.encode(), 0, len(data) - _TIME_TAIL)
                    and data.endswith(b'"}')
                ):
                    out.failure = _diagnose(seq, data, None if seq == lo + 1 else prev, agree)
                    return out
                prev = hexdigest
                h = sha256(b"\x00" + digest).digest()
                s, level = seq - lo - 1, 0
                while s & 1:
                    h = sha256(b"\x01" + frontier.pop() + h).digest()
                    s >>= 1
                    level += 1
                    if check_nodes and level % TILE == 0:
                        assert nodes is not None
                        if nodes.pop((level, (seq >> level) - 1), None) != h.hex():
                            out.failure = Failure(
                                NODE_MISMATCH, f"stored Merkle node (level {level}) ending at entry {seq} differs", seq
                            )
                            return out
                frontier.append(h)
                out.end, out.last_hash = seq, hexdigest
                if seq == next_anchor:
                    out.anchors.append((seq, list(frontier), hexdigest))
                    next_anchor = next(want, -1)
    except TypeError:  # stored bytes that are not bytes (a row edited to another type)
        out.failure = _diagnose(seq, None, prev, True)
    return out


# -- reading a range from the database, in this process or in a worker -----------------------

CHUNK = 4096

# The index columns must agree with the bytes: the time is the 27 characters before the closing
# '"}', the kind follows the first ',"kind":"' (an actor's quotes are escaped, so it cannot hold one).
_AGREE = {
    "sqlite": "substr(data, length(data) - 28, 27) = CAST(time AS BLOB) AND "
    "substr(data, instr(data, X'2c226b696e64223a22'), length(kind) + 21) = "
    'CAST(\',"kind":"\' || kind || \'","payload":\' AS BLOB)',
    "postgresql": "substring(data from length(data) - 28 for 27) = convert_to(time, 'UTF8') AND "
    "substring(data from position('\\x2c226b696e64223a22'::bytea in data) for octet_length(kind) + 21) = "
    "convert_to(',\"kind\":\"' || kind || '\",\"payload\":', 'UTF8')",
}
_RANGE = {
    "sqlite": "SELECT data, hash, {agree} FROM ledger_entry WHERE seq > ? AND seq <= ? ORDER BY seq",
    "postgresql": "SELECT data, hash, {agree} FROM ledger_entry WHERE seq > %s AND seq <= %s ORDER BY seq",
}
_NODES = {
    "sqlite": "SELECT idx, hash FROM ledger_node WHERE level = ? AND idx >= ? AND idx < ?",
    "postgresql": "SELECT idx, hash FROM ledger_node WHERE level = %s AND idx >= %s AND idx < %s",
}


def read_chunks(cursor: Any, dialect: str, lo: int, hi: int, chunk: int = CHUNK) -> Iterator[list[Row]]:
    """Rows of entries ``lo+1 .. hi``, ``chunk`` at a time (keyset by ``seq``: bounded memory)."""
    query = _RANGE[dialect].format(agree=_AGREE[dialect])
    for a in range(lo, hi, chunk):
        cursor.execute(query, (a, min(hi, a + chunk)))
        yield cursor.fetchall()


def read_nodes(cursor: Any, dialect: str, lo: int, hi: int) -> dict[tuple[int, int], str]:
    """Stored tile nodes that entries ``lo+1 .. hi`` complete (levels up to the range's own)."""
    out: dict[tuple[int, int], str] = {}
    level = TILE
    while (1 << level) <= hi - lo:
        cursor.execute(_NODES[dialect], (level, lo >> level, hi >> level))
        out.update(((level, idx), h) for idx, h in cursor.fetchall())
        level += TILE
    return out


def scan_range(cursor: Any, dialect: str, lo: int, hi: int, anchors: Sequence[int]) -> RangeResult:
    nodes = read_nodes(cursor, dialect, lo, hi)
    return scan(lo, read_chunks(cursor, dialect, lo, hi), prev=None, anchors=anchors, nodes=nodes)


# -- worker processes ---------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def worker_init(dialect: str, target: str, snapshot: str | None, ready: Any) -> None:
    """Open this worker's connection and its read snapshot, then say so on ``ready``.

    PostgreSQL: the coordinator's exported snapshot (the very same one). SQLite: a read
    transaction begun while the coordinator holds the write lock, so no commit can come between
    its snapshot and the coordinator's.
    """
    try:
        if dialect == "sqlite":
            import sqlite3

            conn: Any = sqlite3.connect(target, isolation_level=None, timeout=30, check_same_thread=False)
            cur = conn.cursor()
            cur.execute("BEGIN")
            cur.execute("SELECT seq FROM ledger_head")  # the read snapshot starts here
            cur.fetchall()
        else:
            import psycopg

            conn = psycopg.connect(target)
            cur = conn.cursor(binary=True)
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        _worker.update(conn=conn, cursor=cur, dialect=dialect)
        from multiprocessing.util import Finalize

        Finalize(None, conn.close, exitpriority=10)  # run when the worker process exits
    except Exception as exc:
        ready.put(f"{type(exc).__name__}: {exc}")
        raise
    ready.put("")


def worker_range(lo: int, hi: int, anchors: Sequence[int]) -> RangeResult:
    return scan_range(_worker["cursor"], _worker["dialect"], lo, hi, anchors)
