"""Full verification of a stored or exported ledger, and JSONL export.

Verification streams every entry in sequence order and, for each one, rebuilds its bytes from
the stored text (payload included), re-hashes them, checks the sequence number and the link to
the previous hash, and extends the Merkle tree. Stored tile nodes are compared as they are
completed; the Merkle root is compared with every stored checkpoint and with a checkpoint file;
the final state with the head row. The first failure is raised as ``VerificationError`` naming
the sequence number where it was found.
"""

from __future__ import annotations

import hashlib
import json
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
    LEDGER_HASH_MISMATCH,
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
from ._entry import GENESIS, _json_str
from ._keys import KeyRing
from ._log import TILE
from ._merkle import EMPTY_ROOT, node_hash

if TYPE_CHECKING:
    from ._witness import WitnessPolicy

Row = tuple[int, str, str, str, str | bytes, str, str | None]  # seq, time, actor, kind, payload, prev, hash
_SELECT = "SELECT seq, time, actor, kind, payload, prev, hash FROM ledger_entry ORDER BY seq"
# SQLite hands the payload over as bytes, which is what gets hashed (about twice as fast to fetch).
_SELECT_BYTES = "SELECT seq, time, actor, kind, CAST(payload AS BLOB), prev, hash FROM ledger_entry ORDER BY seq"


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


def _check_chain(
    chunks: Iterable[list[Row]], *, anchors: list[_Anchor], nodes: dict[tuple[int, int], str]
) -> tuple[int, str, list[bytes], list[int]]:
    """The verification loop. Returns (size, head hash, frontier, anchor sizes matched)."""
    sha256 = hashlib.sha256
    prefixes: dict[tuple[str, str], bytes] = {}
    by_size: dict[int, list[_Anchor]] = {}
    for a in anchors:
        by_size.setdefault(a.size, []).append(a)
    matched: list[int] = []
    last_good = 0
    size, prev_hash = 0, GENESIS
    frontier: list[bytes] = []
    check_nodes = bool(nodes)
    for chunk in chunks:
        for seq, time, actor, kind, payload, prev, stored in chunk:
            if seq != size + 1:
                if seq > size + 1:
                    raise VerificationError(
                        LEDGER_SEQUENCE_GAP, f"entry {size + 1} is missing (next is {seq})", seq=size + 1
                    )
                raise VerificationError(LEDGER_SEQUENCE_GAP, f"entry {seq} appears twice or out of order", seq=seq)
            # The entry bytes of _entry.entry_bytes, assembled from bytes: the payload is fetched
            # as bytes (no UTF-8 decode and re-encode) and the actor/kind prefix is cached.
            prefix = prefixes.get((actor, kind))
            if prefix is None:
                prefix = f'{{"actor":{_json_str(actor)},"kind":{_json_str(kind)},"payload":'.encode()
                if len(prefixes) < 4096:
                    prefixes[(actor, kind)] = prefix
            if isinstance(payload, str):
                payload = payload.encode()
            digest = sha256(prefix + payload + f',"prev":"{prev}","seq":{seq},"time":"{time}"}}'.encode()).digest()
            hexdigest = digest.hex()
            if stored is not None and hexdigest != stored:
                raise VerificationError(LEDGER_HASH_MISMATCH, f"entry {seq} does not hash to its stored hash", seq=seq)
            if prev != prev_hash:
                raise VerificationError(
                    LEDGER_LINK_BROKEN, f"entry {seq}'s prev is not entry {seq - 1}'s hash", seq=seq
                )
            prev_hash = hexdigest
            h = sha256(b"\x00" + digest).digest()
            s, level = size, 0
            while s & 1:
                h = sha256(b"\x01" + frontier.pop() + h).digest()
                s >>= 1
                level += 1
                if check_nodes and level % TILE == 0 and nodes.pop((level, ((size + 1) >> level) - 1), None) != h.hex():
                    raise VerificationError(
                        LEDGER_NODE_MISMATCH,
                        f"stored Merkle node (level {level}) ending at entry {seq} differs",
                        seq=seq,
                    )
            frontier.append(h)
            size = seq
            if size in by_size:
                root = _fold(frontier)
                for anchor in by_size.pop(size):
                    if anchor.root != root or anchor.head not in (None, prev_hash):
                        raise VerificationError(
                            anchor.code,
                            f"history differs from {anchor.label} (size {size}): an entry between "
                            f"{last_good + 1} and {size} was rewritten",
                            seq=size,
                        )
                matched.append(size)
                last_good = size
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
    if check_nodes and nodes:
        raise VerificationError(LEDGER_NODE_MISMATCH, "stored Merkle nodes beyond the end of the log")
    return size, prev_hash, frontier, matched


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


def verify(
    store: Any,
    *,
    checkpoint: Checkpoint | None = None,
    keys: KeyRing | None = None,
    origin: str | None = None,
    witness_policy: WitnessPolicy | None = None,
    chunk: int = 20_000,
) -> VerifyReport:
    """Verify the whole stored ledger; return a report, or raise on the first integrity failure.

    ``store`` is a ``govern.store.Store``. Every entry is re-hashed from its stored text,
    sequence numbers must run 1, 2, 3 ... with no gap, every ``prev`` must be the previous hash
    (entry 1: ``GENESIS``), stored Merkle nodes and the head row must match the recomputed tree,
    and every stored checkpoint (and ``checkpoint``, if given) must be signed by a key in
    ``keys`` (default: the workspace's registered keys), carry ``origin`` (if given), and match
    the recomputed root and head at its size.

    Raises ``VerificationError`` (exit 1) with ``.seq`` set where the failure was found:
    ``ledger_hash_mismatch``, ``ledger_link_broken``, ``ledger_sequence_gap``,
    ``ledger_node_mismatch``, ``ledger_root_mismatch``, ``ledger_truncated`` ("log shorter than
    checkpoint"), ``ledger_head_mismatch``, or a checkpoint error from ``verify_checkpoint``.
    ``GovernError`` (exit 2) when the database cannot be read.

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
    try:
        raw = store.engine.raw_connection()
    except sa.exc.OperationalError as exc:
        raise GovernError(DATABASE_UNAVAILABLE, str(exc.orig).strip().splitlines()[0]) from None
    try:
        cur = raw.cursor()
        # One snapshot for the head, the nodes, the checkpoints and every entry.
        if store.dialect == "sqlite":
            cur.execute("BEGIN")
        else:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SELECT seq, hash, frontier FROM ledger_head WHERE id = 1")
        head = cur.fetchone()
        if head is None:
            raise GovernError(LEDGER_NOT_INITIALIZED, "the ledger head is missing; run `govern init`")
        cur.execute("SELECT level, idx, hash FROM ledger_node")
        nodes = {(level, idx): h for level, idx, h in cur.fetchall()}
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
        entries = raw.driver_connection.cursor(name="ledger_verify") if store.dialect == "postgresql" else cur
        entries.execute(_SELECT_BYTES if store.dialect == "sqlite" else _SELECT)
        size, head_hash, frontier, matched = _check_chain(
            iter(lambda: entries.fetchmany(chunk), []), anchors=anchors, nodes=nodes
        )
    finally:
        raw.rollback()
        raw.close()
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


def export(store: Any, path: Path, *, chunk: int = 20_000) -> int:
    """Write every entry's canonical bytes, one per line, to ``path``; return the count.

    Each line is exactly the bytes that were hashed, so ``SHA-256(line)`` is the entry hash.
    """
    from ._entry import entry_bytes

    raw = store.engine.raw_connection()
    count = 0
    try:
        cur = raw.driver_connection.cursor(name="ledger_export") if store.dialect == "postgresql" else raw.cursor()
        if store.dialect == "sqlite":
            cur.execute("BEGIN")
        cur.execute(_SELECT)
        with path.open("wb") as fh:
            for rows in iter(lambda: cur.fetchmany(chunk), []):
                fh.write(b"".join(entry_bytes(*row[:6]) + b"\n" for row in rows))
                count += len(rows)
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
            rows.append((obj["seq"], obj["time"], obj["actor"], obj["kind"], payload, obj["prev"], None))
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
    chunk: int = 20_000,
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
    size, head, frontier, matched = _check_chain(_export_rows(path, chunk), anchors=anchors, nodes={})
    return VerifyReport(size, head, _fold(frontier).hex(), sorted(set(matched)), witnessed)
