"""Canonical bytes of a state: a versioned header, a canonical JSON head, raw little-endian arrays.

Layout::

    b"GOVSTATS" | u16 version | u32 head length | head (JSON, sorted keys, compact) | arrays

The head names the state kind, the spec digest, scalar fields (floats as ``float.hex``) and
the arrays' names, dtypes and lengths in order. Everything in a state is kept in a canonical
order (keys sorted), so equal states give equal bytes.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from govern.core import GovernError

from ._codes import STATS_BYTES_INVALID

MAGIC = b"GOVSTATS"
VERSION = 1
_DTYPES: dict[str, np.dtype[Any]] = {"i8": np.dtype("<i8"), "f8": np.dtype("<f8"), "u1": np.dtype("u1")}


def encode(kind: str, spec_digest: str, fields: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """Bytes of one state (``fields`` JSON-ready; arrays stored as int64, float64 or raw uint8)."""
    layout = []
    chunks = []
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        code = "u1" if array.dtype == np.uint8 else "i8" if array.dtype.kind in "iub" else "f8"
        chunks.append(array.astype(_DTYPES[code], copy=False).tobytes())
        layout.append([name, code, int(array.size)])
    head = json.dumps(
        {"kind": kind, "spec": spec_digest, "fields": fields, "arrays": layout},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return b"".join([MAGIC, struct.pack("<HI", VERSION, len(head)), head, *chunks])


def decode(data: bytes, *, kind: str) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    """(spec digest, fields, arrays) of bytes made by :func:`encode`; ``stats_bytes_invalid`` otherwise."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 6:
        raise GovernError(STATS_BYTES_INVALID, "not govern partial statistics (bad header)")
    version, size = struct.unpack_from("<HI", data, len(MAGIC))
    if version != VERSION:
        raise GovernError(STATS_BYTES_INVALID, f"partials format version {version} is not supported (need {VERSION})")
    start = len(MAGIC) + 6
    try:
        head = json.loads(data[start : start + size])
        if head["kind"] != kind:
            raise GovernError(STATS_BYTES_INVALID, f"these partials hold a {head['kind']!r} state, not {kind!r}")
        offset = start + size
        arrays: dict[str, np.ndarray] = {}
        for name, code, length in head["arrays"]:
            dtype = _DTYPES[code]
            end = offset + dtype.itemsize * int(length)
            if end > len(data):
                raise GovernError(STATS_BYTES_INVALID, "partials are truncated")
            arrays[name] = np.frombuffer(data[offset:end], dtype=dtype).astype(dtype.newbyteorder("="))
            offset = end
        if offset != len(data):
            raise GovernError(STATS_BYTES_INVALID, "trailing bytes after the partials")
        return str(head["spec"]), dict(head["fields"]), arrays
    except GovernError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise GovernError(STATS_BYTES_INVALID, f"malformed partials head: {exc}") from None


def hexf(value: float) -> str:
    return float(value).hex()


def unhexf(value: str) -> float:
    return float.fromhex(value)
