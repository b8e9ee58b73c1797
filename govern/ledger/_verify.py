"""Full verification of a stored or exported ledger, and JSONL export.

Verification reads every entry's stored bytes in sequence order and checks that they hash to the
stored hash, carry their sequence number and the previous entry's hash, and agree with the
``kind``/``time`` index columns; it rebuilds the Merkle tree and compares it with the stored tile
nodes, every stored checkpoint, a checkpoint file and the head row. The first failure is raised as
``VerificationError`` naming the sequence number where it was found.

The entries are split into power-of-two aligned ranges (``_scan``), each verified alone and
returning its subtree root, boundary hashes and the local frontier at each checkpoint size; the
ranges are merged in order (:func:`_merge`), which checks the links between ranges, the nodes and
roots above them, so the result is exact whether the ranges ran here or in worker processes (all
reading one snapshot). Memory stays bounded: a range is read in chunks, and a result is a few
hashes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import GovernError, Location, VerificationError, canonical_json

from ._checkpoint import Checkpoint, parse_checkpoint, verify_checkpoint
from ._codes import (
    CHECKPOINT_MISSING,
    DATABASE_UNAVAILABLE,
    LEDGER_ENTRY_NOT_CANONICAL,
    LEDGER_EXPORT_MALFORMED,
    LEDGER_EXPORT_UNREADABLE,
    LEDGER_HEAD_MISMATCH,
    LEDGER_LINK_BROKEN,
    LEDGER_NODE_MISMATCH,
    LEDGER_NOT_INITIALIZED,
    LEDGER_ROOT_MISMATCH,
    LEDGER_SEQUENCE_GAP,
    LEDGER_TRUNCATED,
    LEDGER_WITNESS_INCONSISTENT,
    PUBLIC_KEY_MISSING,
)
from ._entry import GENESIS
from ._keys import KeyRing
from ._merkle import EMPTY_ROOT, node_hash
from ._scan import TILE, RangeResult, Row, scan, scan_range

if TYPE_CHECKING:
    from ._witness import WitnessPolicy

PARALLEL_MIN = 20_000
"""Entries from which ``verify`` uses worker processes (below it, starting them costs more)."""


@dataclass
class VerifyReport:
    """What an intact verification covered."""

    size: int
    head: str
    root: str  # hex
    checkpoints: list[int] = field(default_factory=list)  # sizes of the checkpoints matched
    witnesses: dict[str, int] = field(default_factory=dict)  # policy witness -> largest size it cosigned

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intact": True,
            "size": self.size,
            "head": self.head,
            "root": self.root,
            "checkpoints": self.checkpoints,
        }
        if self.witnesses:
            out["witnesses"] = self.witnesses
        return out


@dataclass
class _Anchor:
    size: int
    root: bytes
    head: str | None  # None: the root alone is known (a key's retirement head, a cosigned checkpoint)
    label: str
    optional: bool = False  # True: only checked when the log reaches ``size``
    code: str = LEDGER_ROOT_MISMATCH  # the error a mismatch raises


def _fold(frontier: list[bytes]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    r = frontier[-1]
    for h in reversed(frontier[:-1]):
        r = node_hash(h, r)
    return r


def _failure(f: Any) -> VerificationError:
    return VerificationError(f.code, f.message, seq=f.seq)


def _merge(
    results: Iterable[tuple[int | None, RangeResult]],
    *,
    anchors: list[_Anchor],
    range_size: int | None = None,
    nodes: dict[tuple[int, int], str] | None = None,
) -> tuple[int, str, list[bytes], list[int]]:
    """Join range results, in order, into the whole log's check. Returns (size, head, frontier, matched).

    ``results`` pairs each range with the last entry it had to reach (None: as far as it went;
    only the last range may be partial). Ranges start at multiples of ``range_size`` (a power of
    two; None: one range from 0). A complete range is a perfect subtree: its root joins
    the frontier of the ranges before it, completing the ``nodes`` (stored tile nodes above a
    range's level) it must match. Checks come in the order a single pass would make them, so the
    first failure is the same however the ranges were run.
    """
    by_size: dict[int, list[_Anchor]] = {}
    for a in anchors:
        by_size.setdefault(a.size, []).append(a)
    matched: list[int] = []
    last_good = 0
    prefix: list[bytes] = []  # roots of the complete ranges so far, merged: the frontier at `size`
    size, prev_hash = 0, GENESIS
    tail: list[bytes] = []

    def check(at: int, frontier: list[bytes], head: str) -> None:
        nonlocal last_good
        group = by_size.pop(at, None)
        if group is None:
            return
        root = _fold(frontier)
        for anchor in group:
            if anchor.root != root or anchor.head not in (None, head):
                raise VerificationError(
                    anchor.code,
                    f"history differs from {anchor.label} (size {at}): an entry between "
                    f"{last_good + 1} and {at} was rewritten",
                    seq=at,
                )
        matched.append(at)
        last_good = at

    for hi, res in results:
        if res.lo != size or tail:
            raise AssertionError(f"range at {res.lo} after {size} entries")  # a bug, never "intact"
        f = res.failure
        if f is not None and f.seq == res.lo + 1 and f.code != "ledger_index_mismatch":
            raise _failure(f)
        if res.first_prev is not None and res.first_prev != prev_hash:
            raise VerificationError(
                LEDGER_LINK_BROKEN, f"entry {res.lo + 1}'s prev is not entry {res.lo}'s hash", seq=res.lo + 1
            )
        width = res.end - res.lo
        complete = f is None and range_size is not None and width == range_size
        for at, local, head in res.anchors:
            if not (complete and at == res.end):
                check(at, prefix + local, head)
        if f is not None:
            raise _failure(f)
        if hi is not None and res.end != hi:
            raise VerificationError(LEDGER_SEQUENCE_GAP, f"entry {res.end + 1} is missing", seq=res.end + 1)
        if res.last_hash is not None:
            prev_hash = res.last_hash
        if complete:
            h, s, level = res.frontier[0], size // width, width.bit_length() - 1
            while s & 1:
                h = node_hash(prefix.pop(), h)
                s >>= 1
                level += 1
                if (
                    nodes is not None
                    and level % TILE == 0
                    and nodes.pop((level, (res.end >> level) - 1), None) != h.hex()
                ):
                    raise VerificationError(
                        LEDGER_NODE_MISMATCH,
                        f"stored Merkle node (level {level}) ending at entry {res.end} differs",
                        seq=res.end,
                    )
            prefix.append(h)
        else:
            tail = res.frontier
        size = res.end
        for at, _local, head in res.anchors:
            if complete and at == res.end:
                check(at, prefix + tail, head)
    by_size = {n: [a for a in group if not a.optional] for n, group in by_size.items()}
    by_size = {n: group for n, group in by_size.items() if group}
    if by_size:
        shortest = min(by_size)
        label = by_size[shortest][0].label
        raise VerificationError(
            LEDGER_TRUNCATED,
            f"log shorter than checkpoint: {label} covers {shortest} entries, the log has {size}",
            seq=size + 1,
        )
    return size, prev_hash, prefix + tail, matched


def _anchors(checkpoints: Iterable[Checkpoint], keys: KeyRing, origin: str | None, label: str) -> list[_Anchor]:
    out = []
    for cp in checkpoints:
        verify_checkpoint(cp, keys, origin=origin)
        out.append(_Anchor(cp.size, cp.root, cp.head, label.format(size=cp.size)))
    return out


def _witness_anchors(notes: Iterable[Checkpoint], policy: WitnessPolicy, witnessed: dict[str, int]) -> list[_Anchor]:
    """Anchors for checkpoints cosigned by policy witnesses; fills ``witnessed`` (name -> largest size)."""
    from govern.core import isoformat

    from ._witness import check_log_signature

    out = []
    for cp in notes:
        cosigners = policy.cosigners(cp)
        if not cosigners:
            continue
        check_log_signature(policy, cp)
        for name in cosigners:
            witnessed[name] = max(witnessed.get(name, 0), cp.size)
        when = isoformat(datetime.fromtimestamp(max(cosigners.values()), UTC))
        label = f"the checkpoint cosigned by witness {', '.join(sorted(cosigners))} at {when}"
        out.append(_Anchor(cp.size, cp.root, cp.head, label, code=LEDGER_WITNESS_INCONSISTENT))
    return out


def _retirement_anchors(keys: KeyRing) -> list[_Anchor]:
    """A key list's retirement heads: the log must have had that root when the key was retired."""
    return [
        _Anchor(k.retired_size, k.retired_root, None, f"the tree head key {k.key_id} was retired at", optional=True)
        for k in keys.keys
        if k.retired_size and k.retired_root is not None
    ]


def _range_size(n: int, workers: int) -> int:
    """A power of two giving each worker about four ranges (balance), within 2^10 .. 2^20."""
    target = max(1, n // (4 * workers))
    return 1 << max(10, min(20, target.bit_length() - 1))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def verify(
    store: Any,
    *,
    checkpoint: Checkpoint | None = None,
    keys: KeyRing | None = None,
    origin: str | None = None,
    witness_policy: WitnessPolicy | None = None,
    workers: int | None = None,
) -> VerifyReport:
    """Verify the whole stored ledger; return a report, or raise on the first integrity failure.

    ``store`` is a ``govern.store.Store``. Every entry's stored bytes must hash to its stored
    hash and carry its sequence number (1, 2, 3 ... with no gap) and the previous hash (entry 1:
    ``GENESIS``), its ``kind``/``time`` columns must agree with them, stored Merkle nodes and the
    head row must match the recomputed tree, and every stored checkpoint (and ``checkpoint``, if
    given) must be signed by a key in ``keys`` (default: the workspace's registered keys), carry
    ``origin`` (if given), and match the recomputed root and head at its size.

    ``workers``: processes to verify in (default: one per available core once the log has
    ``PARALLEL_MIN`` entries, else 1 = this process). All of them read one snapshot; the answer,
    and the first failure, do not depend on the number.

    Raises ``VerificationError`` (exit 1) with ``.seq`` set where the failure was found:
    ``ledger_hash_mismatch``, ``ledger_link_broken``, ``ledger_sequence_gap``,
    ``ledger_index_mismatch``, ``ledger_entry_not_canonical``, ``ledger_node_mismatch``,
    ``ledger_root_mismatch``, ``ledger_truncated`` ("log shorter than checkpoint"),
    ``ledger_head_mismatch``, or a checkpoint error from ``verify_checkpoint``. ``GovernError``
    (exit 2) when the database cannot be read or a worker fails.

    With ``witness_policy`` (C2SP tlog-policy), the stored cosignatures (and those on
    ``checkpoint``) are checked with the policy's witness keys: the witnesses that cosigned must
    meet its quorum (``witness_quorum_unmet``), and the log must reproduce every cosigned
    checkpoint (``ledger_witness_inconsistent``, naming the witnesses and the size).
    """
    import sqlalchemy as sa

    from ._keys import public_keys

    if keys is None:
        with store.read() as session:
            keys = public_keys(session)
    sqlite = store.dialect == "sqlite"
    target = store.engine.url.database if sqlite else store.engine.url.set(drivername="postgresql")
    if workers is None:
        workers = 1
        if _cpus() > 1 and (not sqlite or target not in (None, "", ":memory:")):
            with store.read() as session:  # a peek, outside the snapshot: only decides how to run
                if (session.execute(sa.text("SELECT MAX(seq) FROM ledger_entry")).scalar() or 0) >= PARALLEL_MIN:
                    workers = _cpus()
    try:
        raw = store.engine.raw_connection()
    except sa.exc.OperationalError as exc:
        raise GovernError(DATABASE_UNAVAILABLE, str(exc.orig).strip().splitlines()[0]) from None
    pool = None
    try:
        cur = raw.cursor() if sqlite else raw.driver_connection.cursor(binary=True)
        # One snapshot for the head, the nodes, the checkpoints and every entry. With workers on
        # SQLite, the write lock keeps any commit out until each worker has begun its snapshot.
        if sqlite:
            cur.execute("BEGIN IMMEDIATE" if workers > 1 else "BEGIN")
        else:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SELECT seq, hash, frontier FROM ledger_head WHERE id = 1")
        head = cur.fetchone()
        if head is None:
            raise GovernError(LEDGER_NOT_INITIALIZED, "the ledger head is missing; run `govern init`")
        cur.execute("SELECT MIN(seq), MAX(seq) FROM ledger_entry")
        first, n = cur.fetchone()
        n = n or 0
        if n and first < 1:
            raise VerificationError(LEDGER_SEQUENCE_GAP, f"an entry numbered {first} comes before entry 1", seq=1)
        workers = max(1, min(workers, -(-n // 1024)))
        span = _range_size(n, workers)
        cur.execute(f"SELECT level, idx, hash FROM ledger_node WHERE level > {span.bit_length() - 1}")
        high_nodes = {(level, idx): h for level, idx, h in cur.fetchall()}
        cur.execute("SELECT COUNT(*) FROM ledger_node")
        node_count = cur.fetchone()[0]
        cur.execute("SELECT note FROM ledger_checkpoint ORDER BY size, id")
        stored = [parse_checkpoint(note, source="ledger_checkpoint") for (note,) in cur.fetchall()]
        anchors = _anchors(stored, keys, origin, "the stored checkpoint of size {size}")
        if checkpoint is not None:
            anchors += _anchors([checkpoint], keys, origin, "the checkpoint")
        witnessed: dict[str, int] = {}
        if witness_policy is not None:
            from ._witness import check_quorum

            cur.execute("SELECT note FROM ledger_cosignature ORDER BY size, id")
            notes = [parse_checkpoint(note, source="ledger_cosignature") for (note,) in cur.fetchall()]
            if checkpoint is not None:
                notes.append(checkpoint)
            anchors += _witness_anchors(notes, witness_policy, witnessed)
            check_quorum(witness_policy, witnessed, what="the log")
        sizes = sorted({a.size for a in anchors if a.size <= n})
        tasks = [(lo, min(n, lo + span), span, [x for x in sizes if lo < x <= lo + span]) for lo in range(0, n, span)]
        if workers > 1:
            pool = _Pool(
                store.dialect,
                str(target) if sqlite else target.render_as_string(hide_password=False),
                workers,
                cur,
                raw,
            )
            results: Iterable[tuple[int | None, RangeResult]] = zip(
                (hi for _, hi, _, _ in tasks), pool.map(tasks), strict=True
            )
        else:
            results = ((hi, scan_range(cur, store.dialect, lo, hi, span, at)) for lo, hi, span, at in tasks)
        size, head_hash, frontier, matched = _merge(results, anchors=anchors, range_size=span, nodes=high_nodes)
    finally:
        if pool is not None:
            pool.close()
        raw.rollback()
        raw.close()
    expected_nodes = sum(size >> level for level in range(TILE, size.bit_length() + 1, TILE))
    if node_count != expected_nodes:
        raise VerificationError(
            LEDGER_NODE_MISMATCH, f"{node_count} stored Merkle nodes where the log has {expected_nodes}"
        )
    head_seq, stored_hash, stored_frontier = head
    if head_seq > size:
        raise VerificationError(
            LEDGER_TRUNCATED,
            f"log shorter than its head: the head says {head_seq} entries, the log has {size}",
            seq=size + 1,
        )
    if head_seq != size or stored_hash != head_hash or stored_frontier != ",".join(h.hex() for h in frontier):
        raise VerificationError(LEDGER_HEAD_MISMATCH, f"the head row does not match entry {size}", seq=size)
    return VerifyReport(size, head_hash, _fold(frontier).hex(), sorted(set(matched)), witnessed)


class _Pool:
    """Worker processes that each hold a read snapshot equal to the coordinator's (see ``_scan``)."""

    def __init__(self, dialect: str, target: str, workers: int, cur: Any, raw: Any) -> None:
        import multiprocessing
        import queue
        from concurrent.futures import ProcessPoolExecutor

        from . import _scan

        # fork: a worker starts in milliseconds with everything imported, and touches nothing
        # it inherited but this module (it opens its own connection).
        ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        snapshot = None
        if dialect == "postgresql":
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
        ready = ctx.Queue()
        self._executor = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_scan.worker_init, initargs=(dialect, target, snapshot, ready)
        )
        self._workers = workers
        self._futures: list[Any] = []
        self._ready = ready
        self._sqlite = dialect == "sqlite"
        self._raw = raw
        self._queue_empty = queue.Empty

    def map(self, tasks: list[tuple[int, int, int, list[int]]]) -> Iterator[RangeResult]:
        from concurrent.futures.process import BrokenProcessPool

        from . import _scan

        self._futures = [self._executor.submit(_scan.worker_range, *task) for task in tasks]
        try:
            for _ in range(self._workers):
                problem = self._ready.get(timeout=120)
                if problem:
                    raise GovernError(DATABASE_UNAVAILABLE, f"a verification worker cannot read the ledger: {problem}")
        except self._queue_empty:
            raise GovernError(DATABASE_UNAVAILABLE, "verification workers did not start") from None
        if self._sqlite:
            self._raw.rollback()  # every worker has its snapshot: writers may go on
        for future in self._futures:
            try:
                yield future.result()
            except (BrokenProcessPool, OSError) as exc:  # a worker died: its range is unverified
                raise GovernError(DATABASE_UNAVAILABLE, f"a verification worker stopped: {exc}") from None
            except Exception as exc:  # noqa: BLE001 - whatever failed there, the range is unverified
                raise GovernError(DATABASE_UNAVAILABLE, f"a verification worker failed: {exc}") from None

    def close(self) -> None:
        for future in self._futures:
            future.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)


def export(store: Any, path: Path, *, chunk: int = 4096) -> int:
    """Write every entry's stored bytes, one per line, to ``path``; return the count.

    Each line is exactly the bytes that were hashed, so ``SHA-256(line)`` is the entry hash.
    """
    raw = store.engine.raw_connection()
    sqlite = store.dialect == "sqlite"
    query = f"SELECT seq, data FROM ledger_entry WHERE seq > {'?' if sqlite else '%s'} ORDER BY seq LIMIT {int(chunk)}"
    count, after = 0, 0
    try:
        cur = raw.cursor() if sqlite else raw.driver_connection.cursor(binary=True)
        cur.execute("BEGIN" if sqlite else "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with path.open("wb") as fh:
            while True:
                cur.execute(query, (after,))
                rows = cur.fetchall()
                if not rows:
                    break
                fh.write(b"".join(bytes(data) + b"\n" for _, data in rows))
                count += len(rows)
                after = rows[-1][0]
    finally:
        raw.rollback()
        raw.close()
    return count


_FIELDS = {"seq", "time", "actor", "kind", "payload", "prev"}


def _export_rows(path: Path, chunk: int) -> Iterator[list[Row]]:
    from ._entry import entry_bytes

    rows: list[Row] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            data = line.rstrip(b"\n")
            try:
                obj = json.loads(data)
            except ValueError:
                raise GovernError(LEDGER_EXPORT_MALFORMED, "not a JSON line", Location(str(path), number)) from None
            if not isinstance(obj, dict) or set(obj) != _FIELDS or not isinstance(obj["seq"], int):
                raise GovernError(
                    LEDGER_EXPORT_MALFORMED,
                    "expected an object with seq, time, actor, kind, payload, prev",
                    Location(str(path), number),
                )
            try:
                payload = canonical_json(obj["payload"]).decode()
                canonical = entry_bytes(obj["seq"], obj["time"], obj["actor"], obj["kind"], payload, obj["prev"])
            except (GovernError, TypeError):
                canonical = b""
            if canonical != data:
                raise VerificationError(
                    LEDGER_ENTRY_NOT_CANONICAL,
                    f"line {number} is not the canonical form of its entry",
                    seq=obj["seq"],
                )
            rows.append((data, None, obj["kind"], obj["time"]))
            if len(rows) >= chunk:
                yield rows
                rows = []
    if rows:
        yield rows


def verify_export(
    path: Path,
    *,
    checkpoint: Checkpoint | None = None,
    keys: KeyRing | None = None,
    origin: str | None = None,
    witness_policy: WitnessPolicy | None = None,
    chunk: int = 4096,
) -> VerifyReport:
    """Verify an exported JSONL ledger offline (no database), optionally against a checkpoint.

    Every line must be the canonical bytes of its entry (``ledger_entry_not_canonical``);
    sequence and links are checked as in :func:`verify`; with ``checkpoint`` (signed by a key in
    ``keys``, required then) the root and head at its size must match, and a file shorter than
    the checkpoint is ``ledger_truncated``. When ``keys`` is a signed key list, the root at each
    retired key's retirement size must match too (if the file reaches it). Unreadable or
    malformed files are ``GovernError`` (exit 2). With ``witness_policy``, ``checkpoint`` is
    required and its cosignature lines must meet the policy's quorum (``witness_quorum_unmet``).
    """
    anchors: list[_Anchor] = []
    if checkpoint is not None:
        if keys is None:
            raise GovernError(PUBLIC_KEY_MISSING, "verifying against a checkpoint needs the public key(s)")
        anchors = _anchors([checkpoint], keys, origin, "the checkpoint")
    if keys is not None:
        anchors += _retirement_anchors(keys)
    witnessed: dict[str, int] = {}
    if witness_policy is not None:
        from ._witness import check_quorum

        if checkpoint is None:
            raise GovernError(CHECKPOINT_MISSING, "--witness-policy with --file needs the cosigned --checkpoint")
        anchors += _witness_anchors([checkpoint], witness_policy, witnessed)
        check_quorum(witness_policy, witnessed, what="the checkpoint")
    if not path.is_file():
        raise GovernError(LEDGER_EXPORT_UNREADABLE, "no such file", Location(str(path)))
    chunk = 1 << (max(1, chunk).bit_length() - 1)  # chunks are aligned subtrees: a power of two
    result = scan(
        0, _export_rows(path, chunk), prev=GENESIS, chunk_size=chunk, anchors=sorted({a.size for a in anchors})
    )
    size, head, frontier, matched = _merge([(None, result)], anchors=anchors)
    return VerifyReport(size, head, _fold(frontier).hex(), sorted(set(matched)), witnessed)
