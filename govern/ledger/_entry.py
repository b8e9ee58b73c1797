"""Ledger entries: the exact bytes that are hashed, and the hash chain's genesis.

An entry's bytes are the RFC 8785 canonical JSON of ``{seq, time, actor, kind, payload, prev}``.
Sorted, those keys are ``actor, kind, payload, prev, seq, time``; ``payload`` is stored as its own
canonical text, so the entry bytes are assembled from stored text without re-parsing the payload
(``entry_bytes``). The hash is SHA-256 of those bytes, written as 64 lowercase hex digits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
"""``prev`` of entry 1: 64 ASCII zeros (the hex form of 32 zero bytes)."""

_encode_str = json.JSONEncoder(ensure_ascii=False).encode
_STR_CACHE: dict[str, str] = {}


def _json_str(text: str) -> str:
    """JSON string literal of ``text`` as RFC 8785 writes it (actors and kinds repeat: cached)."""
    out = _STR_CACHE.get(text)
    if out is None:
        out = _encode_str(text)
        if len(_STR_CACHE) < 4096:
            _STR_CACHE[text] = out
    return out


def entry_bytes(seq: int, time: str, actor: str, kind: str, payload: str, prev: str) -> bytes:
    """Canonical bytes of an entry whose ``payload`` is already canonical JSON text."""
    return (
        f'{{"actor":{_json_str(actor)},"kind":{_json_str(kind)},"payload":{payload},'
        f'"prev":"{prev}","seq":{seq},"time":"{time}"}}'
    ).encode()


def entry_hash(seq: int, time: str, actor: str, kind: str, payload: str, prev: str) -> str:
    """Hex SHA-256 of :func:`entry_bytes`."""
    return hashlib.sha256(entry_bytes(seq, time, actor, kind, payload, prev)).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry as stored. ``payload_text`` is the canonical JSON that was hashed."""

    seq: int
    time: str
    actor: str
    kind: str
    payload_text: str
    prev: str
    hash: str
    idempotency_key: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload_text)
        return value

    def canonical_bytes(self) -> bytes:
        return entry_bytes(self.seq, self.time, self.actor, self.kind, self.payload_text, self.prev)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON data (for ``govern audit log --format json`` and the API)."""
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "kind": self.kind,
            "payload": self.payload,
            "prev": self.prev,
            "hash": self.hash,
        }
