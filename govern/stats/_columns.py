"""Arrow columns to numpy the way the in-memory checks read them (0/1 labels, text groups, floats)."""

from __future__ import annotations

from typing import Any

import numpy as np

from govern.core import GovernError, Location

from ._codes import EVIDENCE_LABEL_NOT_BINARY, EVIDENCE_MISSING_COLUMN, EVIDENCE_MISSING_VALUES, EVIDENCE_WRONG_TYPE


def column(batch: Any, name: str, where: str) -> Any:
    """The column ``name`` of a RecordBatch/Table; ``evidence_missing_column`` when absent."""
    names = batch.schema.names
    if name not in names:
        raise GovernError(
            EVIDENCE_MISSING_COLUMN,
            f"column {name!r} not found (columns: {', '.join(names[:12])})",
            Location(where),
        )
    return batch.column(names.index(name))


def text_codes(array: Any, name: str, where: str) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes of a column and its values as text (``str()`` of the Python value, as pandas)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array.null_count:
        raise GovernError(
            EVIDENCE_MISSING_VALUES, f"{array.null_count} empty value(s) in column {name!r}", Location(where)
        )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    values = [str(v) for v in array.dictionary.to_pylist()]
    return np.asarray(array.indices.to_numpy(zero_copy_only=False), dtype=np.int64), values


def binary(array: Any, name: str, where: str, *, positive: str | None) -> np.ndarray:
    """A label/prediction column as 0/1 int64 (booleans, 0/1 numbers, true/false text, or ``positive``)."""
    import pyarrow as pa

    if array.null_count:
        raise GovernError(
            EVIDENCE_MISSING_VALUES, f"{array.null_count} empty value(s) in column {name!r}", Location(where)
        )
    kind = array.type
    if positive is None and (pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        values = np.asarray(array.to_numpy(zero_copy_only=False))
        if values.dtype == bool:
            return values.astype(np.int64)
        ok = (values == 0) | (values == 1)
        if not ok.all():
            bad = values[np.argmin(ok)]
            raise GovernError(
                EVIDENCE_LABEL_NOT_BINARY, f"column {name!r} must be 0/1; found {bad.item()!r}", Location(where)
            )
        return values.astype(np.int64)
    codes, texts = text_codes(array, name, where)
    if positive is not None:
        if len(texts) > 2 or (positive not in texts and len(texts) > 1):
            raise GovernError(
                EVIDENCE_LABEL_NOT_BINARY,
                f"column {name!r} must hold two values including the positive {positive!r}; "
                f"found {', '.join(map(repr, sorted(texts)[:5]))}",
                Location(where),
            )
        lookup = np.asarray([t == positive for t in texts], dtype=np.int64)
        out: np.ndarray = lookup[codes]
        return out
    lowered = [t.strip().lower() for t in texts]
    if set(lowered) <= {"true", "false"}:
        out = np.asarray([t == "true" for t in lowered], dtype=np.int64)[codes]
        return out
    if set(lowered) <= {"0", "1"}:
        out = np.asarray([t == "1" for t in lowered], dtype=np.int64)[codes]
        return out
    raise GovernError(
        EVIDENCE_LABEL_NOT_BINARY,
        f"column {name!r} holds {', '.join(map(repr, sorted(texts)[:5]))}; use 0/1 or name the positive value",
        Location(where),
    )


def floats(array: Any, name: str, where: str) -> np.ndarray:
    """A numeric column as float64, nulls as NaN; ``evidence_wrong_type`` when not numeric."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        if pa.types.is_null(kind):
            return np.full(len(array), np.nan)
        raise GovernError(EVIDENCE_WRONG_TYPE, f"column {name!r} must be numeric (it is {kind})", Location(where))
    return np.asarray(pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


# -- fast paths for the streaming states (same results and errors as the functions above) --------


def raw_codes(array: Any, name: str, where: str) -> tuple[np.ndarray, list[str]]:
    """Like :func:`text_codes` but the codes keep the dictionary's index width (int8/int16/int32),
    zero-copy from a dictionary-encoded column: no int64 copy per batch."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array.null_count:
        raise GovernError(
            EVIDENCE_MISSING_VALUES, f"{array.null_count} empty value(s) in column {name!r}", Location(where)
        )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    values = [str(v) for v in array.dictionary.to_pylist()]
    return np.asarray(array.indices.to_numpy(zero_copy_only=False)), values


def binary_u8(array: Any, name: str, where: str, *, positive: str | None) -> np.ndarray:
    """:func:`binary` as uint8, without int64 temporaries for the common integer/boolean columns.

    Integer columns are checked with one min/max pass and viewed or narrowed; anything else (and
    every error) goes through :func:`binary`, so messages are unchanged.
    """
    import pyarrow as pa

    kind = array.type
    if positive is None and not array.null_count and pa.types.is_integer(kind) and len(array):
        values = np.asarray(array.to_numpy(zero_copy_only=False))
        if int(values.min()) >= 0 and int(values.max()) <= 1:
            return values.view(np.uint8) if values.itemsize == 1 else values.astype(np.uint8)
    if positive is None and not array.null_count and pa.types.is_boolean(kind):
        return np.asarray(array.to_numpy(zero_copy_only=False)).view(np.uint8)
    return binary(array, name, where, positive=positive).astype(np.uint8)


def at_least(array: Any, threshold: float, name: str, where: str) -> np.ndarray:
    """``score >= threshold`` (compared in float64, as :func:`floats` then ``>=``) as a bool array;
    ``evidence_missing_values`` on null or NaN, ``evidence_wrong_type`` when not numeric."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_floating(kind) and not array.null_count and kind.bit_width in (32, 64):
        s = np.asarray(array.to_numpy(zero_copy_only=False))
    else:
        s = floats(array, name, where)
    # float32 -> float64 is exact and np.float64 is a strong scalar type: this compares in float64
    out: np.ndarray = np.greater_equal(s, np.float64(threshold))
    if not out.all() and np.isnan(s).any():  # NaN >= t is False: only then can a NaN hide here
        raise GovernError(
            EVIDENCE_MISSING_VALUES, f"{int(np.isnan(s).sum())} empty value(s) in column {name!r}", Location(where)
        )
    return out


def numbers(array: Any, name: str, where: str) -> np.ndarray:
    """A numeric column in its own dtype (float32, int8, ... zero-copy when it has no nulls);
    with nulls, :func:`floats` (float64, nulls as NaN). ``evidence_wrong_type`` when not numeric."""
    import pyarrow as pa

    kind = array.type
    if not array.null_count and (
        (pa.types.is_floating(kind) and kind.bit_width in (32, 64)) or pa.types.is_integer(kind)
    ):
        return np.asarray(array.to_numpy(zero_copy_only=False))
    return floats(array, name, where)
