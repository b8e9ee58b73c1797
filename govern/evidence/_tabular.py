"""Tabular evidence: CSV and Parquet loading and column validation with located errors.

Every problem names the file, and where it has one the row (as a CSV line number: the header
is line 1) and the column, so ``govern`` can print ``eval.csv:57: evidence_wrong_type: ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import GovernError, Location

from ._codes import (
    EVIDENCE_EMPTY,
    EVIDENCE_EMPTY_GROUP,
    EVIDENCE_LABEL_NOT_BINARY,
    EVIDENCE_MISSING_COLUMN,
    EVIDENCE_MISSING_VALUES,
    EVIDENCE_UNREADABLE,
    EVIDENCE_UNSUPPORTED_FORMAT,
    EVIDENCE_WRONG_TYPE,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TABLE_SUFFIXES = {
    ".csv": "text/csv",
    ".parquet": "application/vnd.apache.parquet",
    ".pq": "application/vnd.apache.parquet",
}


def media_type(path: Path | str, *, name: str | None = None) -> str:
    """The media type of a table file by its suffix; ``evidence_unsupported_format`` otherwise."""
    suffix = Path(name or path).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise GovernError(
            EVIDENCE_UNSUPPORTED_FORMAT,
            f"tables must be .csv or .parquet, not {suffix or 'a file without suffix'!r}",
            Location(str(name or path)),
        )
    return TABLE_SUFFIXES[suffix]


def load_table(path: Path | str, *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame.

    ``name`` is the file name shown in errors (stored blobs have no suffix). Raises
    ``evidence_unreadable`` (missing, unparsable), ``evidence_empty`` (no rows or no columns)
    and ``evidence_unsupported_format``.
    """
    import pandas as pd

    path = Path(path)
    shown = str(name or path)
    kind = media_type(path, name=name)
    if not path.is_file():
        raise GovernError(EVIDENCE_UNREADABLE, "file not found", Location(shown))
    if path.stat().st_size == 0:
        raise GovernError(EVIDENCE_EMPTY, "the file is empty", Location(shown))
    try:
        if kind == "text/csv":
            frame = pd.read_csv(path, skipinitialspace=True)
        else:
            frame = pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise GovernError(EVIDENCE_EMPTY, "the file has no columns", Location(shown)) from None
    except pd.errors.ParserError as exc:
        raise GovernError(EVIDENCE_UNREADABLE, _first_line(exc), Location(shown)) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise GovernError(EVIDENCE_UNREADABLE, _first_line(exc), Location(shown)) from None
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise GovernError(EVIDENCE_EMPTY, "the table has no data rows", Location(shown))
    frame.attrs["govern_name"] = shown
    return frame


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value, so messages read ``70`` not ``np.int64(70)``."""
    return value.item() if hasattr(value, "item") else value


def _name(frame: pd.DataFrame) -> str:
    return str(frame.attrs.get("govern_name", "<table>"))


def locate(frame: pd.DataFrame, *, column: str, row: int | None = None) -> Location:
    """Location of ``column`` (and data ``row``, 0-based) in the file ``frame`` came from."""
    name = _name(frame)
    if row is None:
        return Location(name, path=f"column {column!r}")
    if name.lower().endswith(".csv"):
        return Location(name, line=row + 2, path=f"column {column!r}")
    return Location(name, path=f"row {row}, column {column!r}")


def require_columns(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> None:
    """Raise ``evidence_missing_column`` for the first of ``columns`` absent from ``frame``."""
    for column in columns:
        if column not in frame.columns:
            known = ", ".join(map(str, list(frame.columns)[:12]))
            raise GovernError(
                EVIDENCE_MISSING_COLUMN,
                f"no column {column!r} (columns: {known})",
                locate(frame, column=column),
            )


def _first_missing(frame: pd.DataFrame, column: str) -> None:
    import numpy as np

    missing = frame[column].isna().to_numpy()
    if missing.any():
        row = int(np.argmax(missing))
        raise GovernError(
            EVIDENCE_MISSING_VALUES,
            f"{int(missing.sum())} empty value(s) in column {column!r}",
            locate(frame, column=column, row=row),
        )


def binary_column(frame: pd.DataFrame, column: str, *, positive: str | None = None) -> np.ndarray:
    """Column as 0/1 ``int8``; the positive class is 1.

    Accepted: booleans, numbers in {0, 1}, or two distinct values of which ``positive`` is one.
    Raises ``evidence_missing_column``, ``evidence_missing_values`` or
    ``evidence_label_not_binary`` (located at the first offending row).
    """
    import numpy as np

    require_columns(frame, [column])
    _first_missing(frame, column)
    series = frame[column]
    values = series.to_numpy()
    if positive is not None:
        text = series.astype(str).str.strip().to_numpy()
        distinct = np.unique(text)
        if positive not in distinct or len(distinct) > 2:
            bad = int(np.argmax(text != positive)) if len(distinct) > 2 else 0
            raise GovernError(
                EVIDENCE_LABEL_NOT_BINARY,
                f"column {column!r} must hold two values including the positive {positive!r}; "
                f"found {', '.join(map(repr, distinct[:5].tolist()))}",
                locate(frame, column=column, row=bad),
            )
        return np.asarray(text == positive, dtype=np.int8)
    if values.dtype == bool:
        return values.astype(np.int8)
    if np.issubdtype(values.dtype, np.number):
        ok = (values == 0) | (values == 1)
        if ok.all():
            return values.astype(np.int8)
        row = int(np.argmin(ok))
        raise GovernError(
            EVIDENCE_LABEL_NOT_BINARY,
            f"column {column!r} must be 0/1; found {_plain(values[row])!r}",
            locate(frame, column=column, row=row),
        )
    distinct = np.unique(series.astype(str).to_numpy())
    lowered = {str(v).strip().lower() for v in distinct}
    if lowered <= {"true", "false"}:
        return np.asarray(series.astype(str).str.strip().str.lower() == "true", dtype=np.int8)
    if lowered <= {"0", "1"}:
        return np.asarray(series.astype(str).str.strip() == "1", dtype=np.int8)
    raise GovernError(
        EVIDENCE_LABEL_NOT_BINARY,
        f"column {column!r} holds {', '.join(map(repr, distinct[:5].tolist()))}; use 0/1 or name the positive value",
        locate(frame, column=column, row=0),
    )


def numeric_column(
    frame: pd.DataFrame, column: str, *, low: float | None = None, high: float | None = None
) -> np.ndarray:
    """Column as ``float64``, every value within ``[low, high]`` when given.

    Raises ``evidence_missing_column``, ``evidence_missing_values`` or
    ``evidence_wrong_type`` (a non-number or an out-of-range value, located).
    """
    import numpy as np
    import pandas as pd

    require_columns(frame, [column])
    _first_missing(frame, column)
    series = frame[column]
    if series.dtype == bool:
        series = series.astype(np.int8)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise GovernError(
            EVIDENCE_WRONG_TYPE,
            f"column {column!r} must be numeric; found {_plain(series.iloc[row])!r}",
            locate(frame, column=column, row=row),
        )
    values = converted.to_numpy(dtype=np.float64)
    outside = np.zeros(len(values), dtype=bool)
    if low is not None:
        outside |= values < low
    if high is not None:
        outside |= values > high
    if outside.any():
        row = int(np.argmax(outside))
        raise GovernError(
            EVIDENCE_WRONG_TYPE,
            f"column {column!r} must lie in [{low}, {high}]; found {_plain(values[row])!r}",
            locate(frame, column=column, row=row),
        )
    return values


def group_codes(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Integer group codes for the (intersection of the) sensitive ``columns``, and the labels.

    Labels are the column values (``"Female"``) or, for an intersection, the values joined by
    ``", "`` (``"Female, Black"``), sorted. Raises ``evidence_missing_column``,
    ``evidence_missing_values`` and ``evidence_empty_group`` (a declared category with no row).
    """
    import numpy as np
    import pandas as pd

    if not columns:
        raise GovernError(EVIDENCE_MISSING_COLUMN, "no sensitive column given", Location(_name(frame)))
    require_columns(frame, list(columns))
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for column in columns:
        _first_missing(frame, column)
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            counts = series.value_counts(sort=False)
            empty = [str(k) for k, v in counts.items() if v == 0]
            if empty:
                raise GovernError(
                    EVIDENCE_EMPTY_GROUP,
                    f"sensitive group {empty[0]!r} of column {column!r} has no rows",
                    locate(frame, column=column),
                )
            series = series.astype(str)
        codes, uniques = pd.factorize(series.astype(str), sort=True)
        parts.append((codes.astype(np.int64), np.asarray(uniques, dtype=object)))
    codes, labels = parts[0][0], [str(u) for u in parts[0][1]]
    for more_codes, more_labels in parts[1:]:
        combined = codes * len(more_labels) + more_codes
        present, codes = np.unique(combined, return_inverse=True)
        labels = [f"{labels[c // len(more_labels)]}, {more_labels[c % len(more_labels)]}" for c in present]
    return codes.astype(np.int64), labels


def feature_frame(frame: pd.DataFrame, mapping: Any, *, columns: list[str] | None = None) -> pd.DataFrame:
    """The model-input columns: ``columns`` when given, else all but label/prediction/score."""
    if columns is not None:
        require_columns(frame, columns)
        return frame[list(columns)]
    drop = {mapping.label, mapping.prediction, mapping.score} - {None}
    return frame[[c for c in frame.columns if c not in drop]]
