"""Checkpoint signing, inclusion and consistency proofs (JSON), and offline proof verification.

Inclusion proof (``govern audit prove SEQ``)::

    {"format": "govern-inclusion-proof/v1", "origin": ..., "seq": S, "leaf_index": S - 1,
     "tree_size": N, "entry": "<canonical entry text>", "entry_hash": "<hex>",
     "path": ["<hex>", ...], "checkpoint": "<signed checkpoint text>"}

Consistency proof (``govern audit consistency OLD NEW``)::

    {"format": "govern-consistency-proof/v1", "origin": ..., "old_size": M, "new_size": N,
     "old_root": "<hex>", "new_root": "<hex>", "path": ["<hex>", ...],
     "old_checkpoint": "<text>" | null, "new_checkpoint": "<text>" | null}
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, VerificationError, isoformat, utcnow

from ._checkpoint import Checkpoint, checkpoint_body, parse_checkpoint, sign_body, verify_checkpoint
from ._codes import (
    CHECKPOINT_MISSING,
    CHECKPOINT_ORIGIN_MISMATCH,
    LEDGER_ENTRY_MISSING,
    LEDGER_ROOT_MISMATCH,
    LEDGER_TRUNCATED,
    PROOF_INVALID,
    PROOF_MALFORMED,
    PROOF_SIZES_INVALID,
)
from ._keys import KeyRing, SigningKey
from ._log import TreeReader, append, get_entry, lock_head
from ._merkle import consistency_path, inclusion_path, leaf_hash, range_root, root_from_inclusion, verify_consistency

INCLUSION_FORMAT = "govern-inclusion-proof/v1"
CONSISTENCY_FORMAT = "govern-consistency-proof/v1"


def sign_checkpoint(session: Session, key: SigningKey, *, origin: str, actor: str = "govern") -> Checkpoint:
    """Sign the current head in the caller's write transaction; store it; log ``checkpoint.signed``.

    The checkpoint covers entries 1..N; its ``checkpoint.signed`` entry is N + 1.
    """
    head = lock_head(session)
    root = head.frontier.root()
    body = checkpoint_body(origin, head.seq, root, head.hash, isoformat(utcnow()))
    cp = sign_body(body, key)
    session.execute(
        sa.text(
            "INSERT INTO ledger_checkpoint (size, root, head, time, key_id, note) "
            "VALUES (:size, :root, :head, :time, :key_id, :note)"
        ),
        {
            "size": cp.size,
            "root": root.hex(),
            "head": cp.head,
            "time": cp.time,
            "key_id": key.public.key_id,
            "note": cp.text(),
        },
    )
    append(
        session,
        actor=actor,
        kind="checkpoint.signed",
        payload={"size": cp.size, "root": root.hex(), "head": cp.head, "key_id": key.public.key_id},
    )
    return cp


def latest_checkpoint(session: Session, *, min_size: int = 0) -> Checkpoint | None:
    """The newest stored checkpoint covering at least ``min_size`` entries."""
    note = session.execute(
        sa.text("SELECT note FROM ledger_checkpoint WHERE size >= :n ORDER BY size DESC, id DESC LIMIT 1"),
        {"n": min_size},
    ).scalar()
    return parse_checkpoint(note, source="ledger_checkpoint") if note else None


def _checkpoint_of_size(session: Session, size: int) -> Checkpoint | None:
    note = session.execute(
        sa.text("SELECT note FROM ledger_checkpoint WHERE size = :n ORDER BY id DESC LIMIT 1"), {"n": size}
    ).scalar()
    return parse_checkpoint(note, source="ledger_checkpoint") if note else None


def _tree_size(session: Session) -> int:
    return int(session.execute(sa.text("SELECT seq FROM ledger_head WHERE id = 1")).scalar() or 0)


def prove_inclusion(session: Session, seq: int, *, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    """Inclusion proof of entry ``seq`` against ``checkpoint`` (default: the newest stored one covering it).

    Raises ``NotFound``-style ``GovernError`` ``ledger_entry_missing`` / ``checkpoint_missing``
    (exit 2), and ``VerificationError(ledger_root_mismatch)`` when the stored tree does not
    reproduce the checkpoint's root (the log was altered since it was signed).
    """
    if checkpoint is None:
        checkpoint = latest_checkpoint(session, min_size=seq)
        if checkpoint is None:
            raise GovernError(
                CHECKPOINT_MISSING, f"no checkpoint covers entry {seq}; run `govern audit checkpoint` first"
            )
    if not 1 <= seq <= checkpoint.size:
        raise GovernError(LEDGER_ENTRY_MISSING, f"entry {seq} is not in a tree of size {checkpoint.size}")
    if checkpoint.size > _tree_size(session):
        raise VerificationError(
            LEDGER_TRUNCATED,
            f"log shorter than checkpoint: the checkpoint covers {checkpoint.size} entries",
            seq=checkpoint.size,
        )
    entry = get_entry(session, seq)
    if entry is None:
        raise GovernError(LEDGER_ENTRY_MISSING, f"entry {seq} is missing from the log")
    tree = TreeReader(session)
    if range_root(0, checkpoint.size, tree.perfect) != checkpoint.root:
        raise VerificationError(
            LEDGER_ROOT_MISMATCH,
            f"the stored log does not reproduce the checkpoint of size {checkpoint.size}",
            seq=checkpoint.size,
        )
    return {
        "format": INCLUSION_FORMAT,
        "origin": checkpoint.origin,
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": checkpoint.size,
        "entry": entry.canonical_bytes().decode(),
        "entry_hash": entry.hash,
        "path": [h.hex() for h in inclusion_path(seq - 1, checkpoint.size, tree.perfect)],
        "checkpoint": checkpoint.text(),
    }


def prove_consistency(session: Session, old: int, new: int | None = None) -> dict[str, Any]:
    """Consistency proof that the tree of ``old`` entries is a prefix of the tree of ``new``.

    ``new`` defaults to the current size. Stored checkpoints of exactly those sizes are embedded
    when they exist. Raises ``GovernError(proof_sizes_invalid)`` unless ``0 < old <= new <= size``.
    """
    size = _tree_size(session)
    new = size if new is None else new
    if not 0 < old <= new <= size:
        raise GovernError(PROOF_SIZES_INVALID, f"need 0 < OLD <= NEW <= {size} (the log size), got {old} and {new}")
    tree = TreeReader(session)
    old_cp, new_cp = _checkpoint_of_size(session, old), _checkpoint_of_size(session, new)
    known = new_cp or old_cp
    return {
        "format": CONSISTENCY_FORMAT,
        "origin": known.origin if known is not None else None,
        "old_size": old,
        "new_size": new,
        "old_root": range_root(0, old, tree.perfect).hex(),
        "new_root": range_root(0, new, tree.perfect).hex(),
        "path": [h.hex() for h in consistency_path(old, new, tree.perfect)],
        "old_checkpoint": old_cp.text() if old_cp else None,
        "new_checkpoint": new_cp.text() if new_cp else None,
    }


def _hashes(values: Any, what: str) -> list[bytes]:
    if not isinstance(values, list):
        raise GovernError(PROOF_MALFORMED, f"{what} must be a list of hex hashes")
    try:
        out = [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError):
        raise GovernError(PROOF_MALFORMED, f"{what} must be a list of hex hashes") from None
    return out


def _field(proof: dict[str, Any], name: str, kind: type) -> Any:
    value = proof.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise GovernError(PROOF_MALFORMED, f"proof field {name!r} is missing or not a {kind.__name__}")
    return value


def _entry_seq(text: str) -> int | None:
    """The ``seq`` of a canonical entry text, or None when the text is not a canonical entry."""
    from govern.core import canonical_json

    from ._entry import entry_bytes

    try:
        obj = json.loads(text)
        seq = obj["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or set(obj) != _ENTRY_FIELDS:
            return None
        canonical = entry_bytes(
            seq, obj["time"], obj["actor"], obj["kind"], canonical_json(obj["payload"]).decode(), obj["prev"]
        )
    except (ValueError, TypeError, KeyError, GovernError):
        return None
    return seq if canonical == text.encode() else None


_ENTRY_FIELDS = {"seq", "time", "actor", "kind", "payload", "prev"}


def _trusted(
    text: Any, given: Checkpoint | None, keys: KeyRing, origin: str | None, what: str, claimed: Any
) -> Checkpoint:
    if given is None:
        if not isinstance(text, str):
            raise GovernError(CHECKPOINT_MISSING, f"the proof embeds no {what}; pass it as a file")
        given = parse_checkpoint(text, source=f"proof {what}")
    verify_checkpoint(given, keys, origin=origin)
    if isinstance(claimed, str) and given.origin != claimed:
        raise VerificationError(
            CHECKPOINT_ORIGIN_MISMATCH, f"the proof is for log {claimed!r}, its {what} for {given.origin!r}"
        )
    return given


def verify_proof(
    proof: dict[str, Any],
    *,
    keys: KeyRing,
    checkpoint: Checkpoint | None = None,
    old_checkpoint: Checkpoint | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """Verify an inclusion or consistency proof offline; return a summary, or raise.

    The checkpoint(s) come from the arguments or, when not given, from the proof itself; either
    way they must be signed by a key in ``keys`` (so an embedded checkpoint is no weaker). An
    inclusion proof must be for the checkpoint's tree size, its entry text must hash to
    ``entry_hash`` and carry ``seq``, and its path must lead to the checkpoint's root. A
    consistency proof must match both checkpoints' sizes and roots.

    Inclusion preconditions beyond RFC 9162 section 2.1.3.2 (see ``root_from_inclusion``):
    ``seq``, ``leaf_index`` and ``tree_size`` are integers (not booleans); ``entry`` is the
    canonical text of an entry whose ``seq`` is ``seq``; when ``seq == tree_size`` the entry's
    hash is the checkpoint's ``head`` (so in a one-entry tree no other entry, whatever its seq
    claim, is accepted). Consistency preconditions: RFC 9162 section 2.1.4.2 as in
    ``verify_consistency`` (``0 < old_size <= new_size``, ...), both checkpoints of one origin.
    Either way a string ``origin`` field in the proof must be the checkpoints' origin.

    Raises ``VerificationError`` (exit 1) ``proof_invalid`` or a checkpoint error;
    ``GovernError`` (exit 2) ``proof_malformed`` for a document that is not a proof.
    """
    fmt = proof.get("format")
    if fmt == INCLUSION_FORMAT:
        cp = _trusted(proof.get("checkpoint"), checkpoint, keys, origin, "checkpoint", proof.get("origin"))
        seq, size = _field(proof, "seq", int), _field(proof, "tree_size", int)
        index, entry_text = _field(proof, "leaf_index", int), _field(proof, "entry", str)
        if size != cp.size:
            raise VerificationError(
                PROOF_INVALID, f"the proof is for size {size}, the checkpoint for {cp.size}", seq=seq
            )
        if index != seq - 1:
            raise VerificationError(PROOF_INVALID, f"leaf index {index} is not seq {seq} - 1", seq=seq)
        digest = hashlib.sha256(entry_text.encode()).digest()
        if digest.hex() != _field(proof, "entry_hash", str):
            raise VerificationError(PROOF_INVALID, "the entry does not hash to entry_hash", seq=seq)
        if _entry_seq(entry_text) != seq:
            raise VerificationError(PROOF_INVALID, f"the entry is not the canonical form of entry {seq}", seq=seq)
        if seq == size and digest.hex() != cp.head:
            # The checkpoint names its last entry: at size 1 (and for the last entry of any tree)
            # the entry must be that one, whatever the path says.
            raise VerificationError(PROOF_INVALID, f"entry {seq} is not the checkpoint's head entry", seq=seq)
        root = root_from_inclusion(index, size, leaf_hash(digest), _hashes(proof.get("path"), "path"))
        if root != cp.root:
            raise VerificationError(PROOF_INVALID, "the path does not lead to the checkpoint's root", seq=seq)
        return {"valid": True, "type": "inclusion", "seq": seq, "tree_size": size}
    if fmt == CONSISTENCY_FORMAT:
        claimed = proof.get("origin")
        old_cp = _trusted(proof.get("old_checkpoint"), old_checkpoint, keys, origin, "old checkpoint", claimed)
        new_cp = _trusted(proof.get("new_checkpoint"), checkpoint, keys, origin, "new checkpoint", claimed)
        old, new = _field(proof, "old_size", int), _field(proof, "new_size", int)
        if (old, new) != (old_cp.size, new_cp.size):
            raise VerificationError(
                PROOF_INVALID,
                f"the proof is for sizes {old} -> {new}, the checkpoints for {old_cp.size} -> {new_cp.size}",
            )
        if old_cp.origin != new_cp.origin:
            raise VerificationError(CHECKPOINT_ORIGIN_MISMATCH, "the two checkpoints are of different logs")
        verify_consistency(old, new, old_cp.root, new_cp.root, _hashes(proof.get("path"), "path"))
        return {"valid": True, "type": "consistency", "old_size": old, "new_size": new}
    raise GovernError(PROOF_MALFORMED, f"unknown proof format {fmt!r}")
