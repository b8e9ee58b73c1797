"""Partials as evidence: datasets (directories, globs) and partials files, told apart and digested.

A dataset of any size is never copied into the blob store: ``add_evidence`` has it streamed into
partial statistics by the :class:`PartialsMaker` its caller passes (``govern.stats.to_partials``;
this room never imports ``govern.stats``) and stores the partials content-addressed, with their
provenance, which includes the input dataset's digest (SHA-256 over every file's relative path and
content digest, :func:`dataset_digest`).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any, Protocol

from ._mapping import ColumnMapping, Evidence, Role

_CHUNK = 1 << 20


class PartialsMaker(Protocol):
    """What ``add_evidence`` calls to take a dataset or a partials file in: the partials bytes to
    store, their provenance, and the column mapping to record (``govern.stats.to_partials``).

    ``reference`` is the stored reference evidence when ``role`` is ``current`` and ``source`` a
    dataset (its profile fixes the current window's grids), else None.
    """

    def __call__(
        self, role: Role, source: Path, mapping: ColumnMapping, *, reference: Evidence | None
    ) -> tuple[bytes, dict[str, Any], ColumnMapping]: ...


def is_dataset(path: Path | str) -> bool:
    """A directory or a glob pattern (as opposed to one table file)."""
    text = str(path)
    return Path(text).is_dir() or any(c in text for c in "*?[")


def is_partials_file(path: Path | str) -> bool:
    """Whether ``path`` is a file of partial statistics (the ``GOVSTATS`` header)."""
    p = Path(path)
    if not p.is_file():
        return False
    with p.open("rb") as f:
        return f.read(8) == b"GOVSTATS"


def dataset_files(path: Path | str) -> tuple[Path | None, list[Path]]:
    """(root, the dataset's files sorted) for a directory, a glob or one file."""
    import glob

    text = str(path)
    if Path(text).is_dir():
        root = Path(text)
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in (".csv", ".parquet", ".pq") and not p.name.startswith((".", "_"))
        )
        return root, files
    if any(c in text for c in "*?["):
        return None, [Path(p) for p in sorted(glob.glob(text, recursive=True)) if Path(p).is_file()]  # noqa: PTH207
    return None, [Path(text)]


def dataset_digest(path: Path | str) -> tuple[str, int]:
    """``sha256:<hex>`` over every file's relative name and content digest, and the file count."""
    root, files = dataset_files(path)
    outer = hashlib.sha256()
    for f in files:
        inner = hashlib.sha256()
        with f.open("rb") as src:
            while chunk := src.read(_CHUNK):
                inner.update(chunk)
        name = str(f.relative_to(root)) if root is not None else f.name
        outer.update(f"{name}\0{inner.hexdigest()}\n".encode())
    return "sha256:" + outer.hexdigest(), len(files)


def write_temp(data: bytes, directory: Path | str) -> Path:
    """``data`` in a temporary file under ``directory`` (the caller stores and removes it)."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".partials-", delete=False) as f:
        f.write(data)
        return Path(f.name)
