"""Files of a data source (a file, directory, glob or list of them) for the engine adapters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from govern.core import GovernError, Location

from ._codes import EVIDENCE_UNREADABLE


def files_of(source: str | Path | Sequence[str | Path]) -> tuple[list[str], str]:
    """The files (or globs) of ``source``, and their format: ``parquet`` or ``csv`` (never mixed)."""
    items = [source] if isinstance(source, (str, Path)) else list(source)
    paths: list[str] = []
    for item in items:
        text = str(item)
        p = Path(text)
        if p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".parquet", ".pq", ".csv")
            )
            if not found:
                raise GovernError(EVIDENCE_UNREADABLE, "no .parquet or .csv file in the directory", Location(text))
            paths.extend(found)
        elif any(ch in text for ch in "*?[") or p.is_file():
            paths.append(text)
        else:
            raise GovernError(EVIDENCE_UNREADABLE, "no such file or directory", Location(text))
    suffixes = {Path(f.replace("*", "x")).suffix.lower() for f in paths}
    if suffixes <= {".parquet", ".pq"}:
        return paths, "parquet"
    if suffixes == {".csv"}:
        return paths, "csv"
    raise GovernError(EVIDENCE_UNREADABLE, "mix of CSV and Parquet files (or an unknown type)", Location(str(source)))


def is_path(source: object) -> bool:
    """True for a file/directory/glob or a list of them (rather than an engine's own frame)."""
    if isinstance(source, (str, Path)):
        return True
    return isinstance(source, (list, tuple)) and all(isinstance(s, (str, Path)) for s in source)
