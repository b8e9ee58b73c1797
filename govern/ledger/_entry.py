"""Ledger entries: the exact bytes that are hashed, and the hash chain's genesis.

An entry's bytes are the RFC 8785 canonical JSON of ``{seq, time, actor, kind, payload, prev}``.
Sorted, those keys are ``actor, kind, payload, prev, seq, time``; ``payload`` is stored as its own
canonical text, so the entry bytes are assembled from stored text without re-parsing the payload
(``entry_bytes``). The hash is SHA-256 of those bytes, written as 64 lowercase hex digits.

The store keeps the entry bytes themselves; :func:`decode_entry` reads the fields back out of
them without parsing the payload (its text is the slice between the ``kind`` and ``prev`` members).
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


_decode = json.JSONDecoder().raw_decode


def split_entry(data: bytes) -> tuple[int, str, str, str, str, str]:
    """``(seq, time, actor, kind, payload_text, prev)`` of canonical entry bytes.

    Raises ``ValueError`` when ``data`` is not laid out as :func:`entry_bytes` writes it.
    """
    text = data.decode()
    if not text.startswith('{"actor":"'):
        raise ValueError("an entry starts with its actor")
    actor, end = _decode(text, 9)
    if not text.startswith(',"kind":"', end):
        raise ValueError("the kind follows the actor")
    kind, end = _decode(text, end + 8)
    if not text.startswith(',"payload":{', end):
        raise ValueError("the payload follows the kind")
    # The top-level "prev" is the last one: the payload's own members come before it.
    at = text.rfind(',"prev":"')
    tail = text[at:]
    seq_at = tail.find('","seq":')
    time_at = tail.find(',"time":"')
    if at < end or seq_at != 73 or time_at < 0 or not tail.endswith('"}') or len(tail) - time_at != 38:
        raise ValueError("prev, seq and time end an entry")
    digits = tail[81:time_at]
    if not digits.isdigit() or digits != str(int(digits)):
        raise ValueError("seq is a decimal integer")
    if not isinstance(actor, str) or not isinstance(kind, str):
        raise ValueError("actor and kind are strings")
    return int(digits), tail[time_at + 9 : -2], actor, kind, text[end + 11 : at], tail[9:73]


def decode_entry(data: bytes, hash: str, idempotency_key: str | None = None) -> Entry:
    """The :class:`Entry` stored as ``data`` (its entry bytes); ``ValueError`` if malformed."""
    return Entry(*split_entry(data), hash, idempotency_key)


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
