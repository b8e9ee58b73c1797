"""Ledger: the append-only, hash-chained, Merkle-tree audit log with signed checkpoints.

Other rooms call :func:`append` (or :func:`append_batch`) inside their own ``Store.write()``
transaction, with a kind from :data:`EVENT_KINDS`, so the state change and its entry commit
together. The format is specified in ``docs/ledger-format.md``.
"""

from . import _codes as codes
from ._admin import create_checkpoint, export_key_list, init_keys, rotate_signing_key, trusted_keys
from ._checkpoint import Checkpoint, parse_checkpoint, read_checkpoint, verify_checkpoint
from ._entry import GENESIS, Entry, entry_bytes, entry_hash
from ._keys import (
    KeyRing,
    PublicKey,
    SigningKey,
    ensure_signing_key,
    key_id,
    load_signing_key,
    parse_key_list,
    sign_key_list,
)
from ._kinds import EVENT_KINDS, EventKind
from ._log import Event, append, append_batch, append_committed, get_entry, iter_entries, last_seq, read_head, record
from ._merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
    reference_root,
    verify_consistency,
    verify_inclusion,
)
from ._proofs import latest_checkpoint, prove_consistency, prove_inclusion, sign_checkpoint, verify_proof
from ._verify import VerifyReport, export, verify, verify_export
from ._witness import (
    Witness,
    WitnessKey,
    WitnessPolicy,
    WitnessResult,
    add_witness,
    cosignature_message,
    cosigner_key_id,
    list_witnesses,
    remove_witness,
    stored_cosignatures,
    with_cosignatures,
    witness_checkpoint,
)

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # appending (inside the caller's Store.write() transaction)
    "append",
    "append_batch",
    "record",
    # appending as a transaction of its own
    "append_committed",
    "Event",
    "Entry",
    "EVENT_KINDS",
    "EventKind",
    # reading
    "get_entry",
    "iter_entries",
    "last_seq",
    "read_head",
    # entry format
    "GENESIS",
    "entry_bytes",
    "entry_hash",
    # Merkle tree (RFC 9162)
    "EMPTY_ROOT",
    "Frontier",
    "leaf_hash",
    "node_hash",
    "reference_root",
    "inclusion_path",
    "consistency_path",
    "verify_inclusion",
    "verify_consistency",
    # keys
    "KeyRing",
    "PublicKey",
    "SigningKey",
    "key_id",
    "init_keys",
    "ensure_signing_key",
    "load_signing_key",
    "rotate_signing_key",
    "trusted_keys",
    "export_key_list",
    "sign_key_list",
    "parse_key_list",
    # checkpoints and proofs
    "Checkpoint",
    "parse_checkpoint",
    "read_checkpoint",
    "verify_checkpoint",
    "sign_checkpoint",
    "create_checkpoint",
    "latest_checkpoint",
    "prove_inclusion",
    "prove_consistency",
    "verify_proof",
    # witnesses (C2SP tlog-witness, tlog-cosignature v1, tlog-policy)
    "Witness",
    "WitnessKey",
    "WitnessPolicy",
    "WitnessResult",
    "add_witness",
    "list_witnesses",
    "remove_witness",
    "witness_checkpoint",
    "stored_cosignatures",
    "with_cosignatures",
    "cosigner_key_id",
    "cosignature_message",
    # verification and export
    "verify",
    "verify_export",
    "export",
    "VerifyReport",
]
