"""HMAC-SHA256 signatures over ``timestamp.body`` (the scheme receivers verify)."""

from __future__ import annotations

import hashlib
import hmac
import time

from govern.core import VerificationError

from ._codes import WEBHOOK_SIGNATURE_INVALID, WEBHOOK_SIGNATURE_MALFORMED, WEBHOOK_SIGNATURE_STALE

SIGNATURE_HEADER = "Govern-Signature"


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The ``Govern-Signature`` header value ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.

    The MAC covers ``f"{t}.".encode() + body`` so a captured body cannot be replayed later with a
    fresh timestamp.
    """
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance_s: int = 300, now: int | None = None) -> int:
    """Check a ``Govern-Signature`` header; returns its timestamp.

    Raises ``VerificationError``: ``webhook_signature_malformed``, ``webhook_signature_stale``
    (older or newer than ``tolerance_s``), ``webhook_signature_invalid``.
    """
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(name, []).append(value)
    try:
        t = int(parts["t"][0])
        candidates = parts["v1"]
    except (KeyError, ValueError, IndexError):
        raise VerificationError(WEBHOOK_SIGNATURE_MALFORMED, "expected t=<unix>,v1=<hex>") from None
    current = int(time.time()) if now is None else now
    if abs(current - t) > tolerance_s:
        raise VerificationError(WEBHOOK_SIGNATURE_STALE, f"signature time {t} is outside {tolerance_s}s")
    expected = sign(secret, body, timestamp=t).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise VerificationError(WEBHOOK_SIGNATURE_INVALID, "the signature does not match the body")
    return t
