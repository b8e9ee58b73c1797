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

# Codes (the values of _codes' constants: this module stays free of the room's imports).
HASH_MISMATCH = "ledger_hash_mismatch"
LINK_BROKEN = "ledger_link_broken"
SEQUENCE_GAP = "ledger_sequence_gap"
NODE_MISMATCH = "ledger_node_mismatch"
NOT_CANONICAL = "ledger_entry_not_canonical"
INDEX_MISMATCH = "ledger_index_mismatch"

Row = tuple[Any, Any, Any, Any]  # entry bytes, stored hex hash (None: nothing stored), kind and time columns
_KIND = b',"kind":"'


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


def _diagnose(seq: int, data: Any, prev: str | None, kind: Any, time: Any) -> Failure:
    """Why an entry failed the fast checks (``prev`` None: the first entry of a range)."""
    if not isinstance(data, bytes):
        return Failure(NOT_CANONICAL, f"entry {seq}'s stored bytes are not bytes", seq)
    from ._entry import split_entry

    try:
        got_seq, got_time, _actor, got_kind, _payload, got_prev = split_entry(data)
    except ValueError:
        return Failure(NOT_CANONICAL, f"entry {seq}'s stored bytes are not laid out as an entry", seq)
    if got_seq > seq:
        return Failure(SEQUENCE_GAP, f"entry {seq} is missing (next is {got_seq})", seq)
    if got_seq < seq:
        return Failure(SEQUENCE_GAP, f"entry {got_seq} appears twice or out of order (at {seq})", seq)
    if prev is not None and got_prev != prev:
        return Failure(LINK_BROKEN, f"entry {seq}'s prev is not entry {seq - 1}'s hash", seq)
    if (got_kind, got_time) != (kind, time):
        return Failure(INDEX_MISMATCH, f"entry {seq}'s kind or time column differs from its entry bytes", seq)
    return Failure(NOT_CANONICAL, f"entry {seq}'s stored bytes are not laid out as an entry", seq)


def _first_prev(seq: int, data: Any, time: Any) -> str | None:
    """The ``prev`` an entry's bytes carry, read at its fixed place (None: not where it must be)."""
    if not isinstance(data, bytes) or not isinstance(time, str):
        return None
    at = len(data) - len(time) - 2 - 9 - len(str(seq)) - 8 - 64
    return data[at : at + 64].decode("ascii", "replace") if at > 0 else None


def _kind_at(data: Any, kind: Any, known: dict[Any, bytes]) -> bool:
    """Whether ``data``'s kind member is ``kind`` (the first ',"kind":"' follows the actor: an
    actor's quotes are escaped); remembers the entry's opening, which later entries then match."""
    if not isinstance(data, bytes) or not isinstance(kind, str):
        return False
    at = data.find(_KIND, 9)
    member = _KIND + kind.encode() + b'","payload":'
    if at < 0 or not data.startswith(member, at):
        return False
    if len(known) < 4096:
        known[kind] = data[: at + len(member)]
    return True


def _subtrees(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree over ``leaves`` (aligned at a multiple of a power of two >= their
    number): level 0 the leaves, then their parents ... An odd one out at a level is a root."""
    sha256 = hashlib.sha256
    levels = [leaves]
    while len(leaves) > 1:
        leaves = [sha256(b"\x01" + a + b).digest() for a, b in zip(leaves[::2], leaves[1::2], strict=False)]
        levels.append(leaves)
    return levels


def _frontier_at(levels: list[list[bytes]], u: int) -> list[bytes]:
    """Perfect-subtree roots of the first ``u`` leaves, largest first."""
    out, start = [], 0
    for level in range(len(levels) - 1, -1, -1):
        if u >> level & 1:
            out.append(levels[level][start >> level])
            start += 1 << level
    return out


def scan(
    lo: int,
    chunks: Iterable[Sequence[Row]],
    *,
    prev: str | None,
    chunk_size: int = 4096,
    anchors: Sequence[int] = (),
    nodes: dict[tuple[int, int], str] | None = None,
) -> RangeResult:
    """Check the entries ``lo+1, lo+2, ...`` that ``chunks`` yields, in order, until a failure.

    ``prev`` is the hash the first entry must link to (None: unknown here; its ``prev`` is
    returned as ``first_prev`` for the merge). Every chunk holds ``chunk_size`` entries (a power
    of two dividing ``lo``) but the last: a short chunk followed by more entries means an entry
    is missing. ``anchors`` are sizes at which to record the local frontier and the entry hash.
    ``nodes`` maps ``(level, index)`` to the stored hex hash of every tile node this range
    completes; each must be present and equal (None: no nodes to check).

    The work is done a chunk at a time, in list comprehensions (the per-entry loop is the cost):
    hashes, then the in-place checks, then the chunk's subtree, level by level.
    """
    sha256 = hashlib.sha256
    want = sorted(anchors)
    openings: dict[Any, bytes] = {}  # kind -> the opening bytes (actor and kind) last seen with it
    frontier: list[bytes] = []  # perfect-subtree roots of the complete chunks so far
    out = RangeResult(lo, lo, None, None, frontier)
    seq = lo  # the entries checked so far end here
    short = False
    for chunk in chunks:
        m = len(chunk)
        if not m:
            continue
        if short or m > chunk_size:
            out.failure = Failure(SEQUENCE_GAP, f"entry {seq + 1} is missing", seq + 1)
            return out
        try:
            digests = [sha256(row[0]).digest() for row in chunk]
        except TypeError:  # stored bytes that are not bytes (a row edited to another type)
            digests = []
            for row in chunk:
                if not isinstance(row[0], bytes):
                    break
                digests.append(sha256(row[0]).digest())
        hexes = [d.hex() for d in digests]
        if prev is None:
            prev = out.first_prev = _first_prev(seq + 1, chunk[0][0], chunk[0][3])
        prevs = [prev, *hexes[:-1]]
        # Each entry's bytes end with its prev, its seq and its time (the time column), and open
        # with its actor and kind (the kind column): checked in place, without parsing (a failure
        # is diagnosed by parsing, off the hot path).
        get = openings.get
        good = [
            d.endswith(f',"prev":"{p}","seq":{n},"time":"{t}"}}'.encode())
            and (((o := get(k)) is not None and d.startswith(o)) or _kind_at(d, k, openings))
            for (d, _, k, t), p, n in zip(chunk, prevs, range(seq + 1, seq + len(digests) + 1), strict=False)
        ]
        bad = len(digests)
        if chunk[0][1] is not None:
            stored = [row[1] for row in chunk[:bad]]
            if stored != hexes:
                bad = next(i for i, (x, y) in enumerate(zip(stored, hexes, strict=True)) if x != y)
        if not all(good):
            bad = min(bad, good.index(False))
        failure = None
        if bad < m:
            at = seq + bad + 1
            data, stored, kind, time = chunk[bad]
            if bad < len(digests) and stored is not None and stored != hexes[bad]:
                failure = Failure(HASH_MISMATCH, f"entry {at} does not hash to its stored hash", at)
            else:
                failure = _diagnose(at, data, None if at == lo + 1 else prevs[bad], kind, time)
            digests, hexes, m = digests[:bad], hexes[:bad], bad
        if m:
            levels = _subtrees([sha256(b"\x00" + d).digest() for d in digests])
            if nodes is not None:
                for level in range(TILE, len(levels), TILE):
                    base = seq >> level
                    got = [nodes.pop((level, base + k), None) for k in range(len(levels[level]))]
                    hexed = [h.hex() for h in levels[level]]
                    if got != hexed:
                        k = next(k for k, (x, y) in enumerate(zip(got, hexed, strict=True)) if x != y)
                        done = seq + ((k + 1) << level)
                        failure = Failure(
                            NODE_MISMATCH, f"stored Merkle node (level {level}) ending at entry {done} differs", done
                        )
                        break
            stop = failure.seq if failure is not None else seq + m + 1
            while want and want[0] <= seq + m and want[0] < stop:
                u = want.pop(0) - seq
                if u > 0:
                    out.anchors.append((seq + u, frontier + _frontier_at(levels, u), hexes[u - 1]))
            if failure is not None:
                out.failure = failure
                return out
            out.last_hash = hexes[-1]
            if m == chunk_size:  # a perfect subtree: its root joins the range's frontier
                h, s, level = levels[-1][0], (seq - lo) // m, len(levels) - 1
                while s & 1:
                    h = sha256(b"\x01" + frontier.pop() + h).digest()
                    s >>= 1
                    level += 1
                    if nodes is not None and level % TILE == 0:
                        done = seq + m
                        if nodes.pop((level, (done >> level) - 1), None) != h.hex():
                            out.failure = Failure(
                                NODE_MISMATCH,
                                f"stored Merkle node (level {level}) ending at entry {done} differs",
                                done,
                            )
                            out.end = done
                            if out.anchors and out.anchors[-1][0] == done:
                                out.anchors.pop()  # the node comes first, as in one pass
                            return out
                frontier.append(h)
            else:
                frontier.extend(_frontier_at(levels, m))
                short = True
            seq += m
            out.end = seq
        if failure is not None:
            out.failure = failure
            return out
        prev = hexes[-1]
    return out


# -- reading a range from the database, in this process or in a worker -----------------------

CHUNK = 4096

_RANGE = {
    "sqlite": "SELECT data, hash, kind, time FROM ledger_entry WHERE seq > ? AND seq <= ? ORDER BY seq",
    "postgresql": "SELECT data, hash, kind, time FROM ledger_entry WHERE seq > %s AND seq <= %s ORDER BY seq",
}
_NODES = {
    "sqlite": "SELECT idx, hash FROM ledger_node WHERE level = ? AND idx >= ? AND idx < ?",
    "postgresql": "SELECT idx, hash FROM ledger_node WHERE level = %s AND idx >= %s AND idx < %s",
}


def read_chunks(cursor: Any, dialect: str, lo: int, hi: int, chunk: int) -> Iterator[list[Row]]:
    """Rows of entries ``lo+1 .. hi``, ``chunk`` at a time (keyset by ``seq``: bounded memory)."""
    query = _RANGE[dialect]
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


def scan_range(cursor: Any, dialect: str, lo: int, hi: int, span: int, anchors: Sequence[int]) -> RangeResult:
    """:func:`scan` of entries ``lo+1 .. hi`` read with ``cursor`` (``lo`` a multiple of ``span``,
    a power of two, and ``hi - lo <= span``)."""
    nodes = read_nodes(cursor, dialect, lo, hi)
    chunk = min(CHUNK, span)
    rows = read_chunks(cursor, dialect, lo, hi, chunk)
    return scan(lo, rows, prev=None, chunk_size=chunk, anchors=anchors, nodes=nodes)


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
            cur.execute("PRAGMA mmap_size = 268435456")  # reads without a copy per page; bounded (256 MiB)
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


def worker_range(lo: int, hi: int, span: int, anchors: Sequence[int]) -> RangeResult:
    return scan_range(_worker["cursor"], _worker["dialect"], lo, hi, span, anchors)
