"""Canonical JSON (RFC 8785, JCS) and content digests.

``canonical_json`` returns exactly the bytes RFC 8785 prescribes. Most documents govern
canonicalizes (ledger entries, decisions) contain no floats; for those, ``json.dumps`` with
sorted keys and compact separators already produces the RFC 8785 bytes and is ~6x faster than
the pure-Python ``rfc8785`` package. Floats (whose ECMAScript formatting differs from Python's
``repr``), integers beyond 2**53 and non-BMP object keys (RFC 8785 sorts keys by UTF-16 code
units) go through ``rfc8785``. The golden ledger vectors pin the output.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from ._codes import CANONICAL_JSON_ERROR
from ._errors import GovernError

_MAX_SAFE_INT = 2**53 - 1
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")).encode


def _needs_slow_path(obj: Any) -> bool:
    """True when the fast encoder's bytes could differ from RFC 8785's."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if not isinstance(key, str):
                    raise GovernError(CANONICAL_JSON_ERROR, f"object key {key!r} is not a string")
                if any(ord(c) > 0xFFFF for c in key):
                    return True
                stack.append(value)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        elif isinstance(item, int):
            if abs(item) > _MAX_SAFE_INT:
                return True
        elif isinstance(item, float):
            if math.isnan(item) or math.isinf(item):
                raise GovernError(CANONICAL_JSON_ERROR, "NaN and infinities have no JSON form")
            return True
        else:
            raise GovernError(CANONICAL_JSON_ERROR, f"value of type {type(item).__name__} has no JSON form")
    return False


def canonical_json(obj: Any) -> bytes:
    """Serialize ``obj`` (dicts, lists, str, int, float, bool, None) as RFC 8785 bytes.

    Raises ``GovernError(canonical_json_error)`` for NaN, infinities, non-string keys and
    values without a JSON form.
    """
    if _needs_slow_path(obj):
        import rfc8785

        try:
            return rfc8785.dumps(obj)
        except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
            raise GovernError(CANONICAL_JSON_ERROR, str(exc)) from None
    try:
        return _dumps(obj).encode("utf-8")
    except UnicodeEncodeError:
        raise GovernError(CANONICAL_JSON_ERROR, "string contains a lone surrogate") from None


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def content_digest(data: bytes) -> str:
    """Content address of ``data``: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def json_digest(obj: Any) -> str:
    """Content address of the canonical JSON of ``obj``."""
    return content_digest(canonical_json(obj))
