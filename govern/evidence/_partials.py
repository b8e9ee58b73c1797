"""Partials as evidence: datasets (directories, globs) streamed into partial statistics at the door.

A dataset of any size is never copied into the blob store: ``add_evidence`` streams it through
``govern.stats`` and stores the partials (a few kilobytes, canonical bytes) content-addressed,
with their provenance: the engine and its version, the input dataset's digest (SHA-256 over
every file's relative path and content digest), the files and the rows. Reference partials fix
the reference profile (grids, categories), so every later current window is comparable.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govern.core import GovernError, Location

from ._codes import EVIDENCE_MISSING, EVIDENCE_ROLE_INVALID, STATS_MERGE_MISMATCH
from ._mapping import PARTIALS_MEDIA_TYPE, ColumnMapping, Evidence

_CHUNK = 1 << 20


def is_dataset(path: Path | str) -> bool:
    """A directory or a glob pattern (as opposed to one table file)."""
    text = str(path)
    return Path(text).is_dir() or any(c in text for c in "*?[")


def is_partials_file(path: Path | str) -> bool:
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


def _format(item: Evidence) -> str | None:
    name = (item.filename or str(item.path)).lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return None


def evaluation_spec(mapping: ColumnMapping, *, sensitive: Sequence[str] | None = None, threshold: float = 0.5) -> Any:
    """The spec of an evaluation table under ``mapping`` (fairness and score states)."""
    from govern.stats import Spec

    return Spec(
        label=mapping.label,
        prediction=mapping.prediction,
        score=mapping.score,
        threshold=threshold,
        positive=mapping.positive,
        sensitive=tuple(sensitive if sensitive is not None else mapping.sensitive),
    )


def read_partials(item: Evidence) -> Any:
    """The stored partials of ``item`` (``stats_bytes_invalid`` when they are not)."""
    from govern.stats import Partials

    try:
        return Partials.from_bytes(Path(item.path).read_bytes())
    except GovernError as err:
        raise GovernError(err.code, err.message, Location(item.name)) from None


def _compatible(stored: Any, wanted: Any, where: str) -> None:
    """Stored partials serve a check when they collected what it needs the same way."""
    problems = []
    for field in ("label", "positive"):
        if getattr(wanted, field) is not None and getattr(stored, field) != getattr(wanted, field):
            problems.append(f"{field} {getattr(stored, field)!r} (the check needs {getattr(wanted, field)!r})")
    if wanted.sensitive and tuple(stored.sensitive) != tuple(wanted.sensitive):
        problems.append(f"sensitive {list(stored.sensitive)} (the check needs {list(wanted.sensitive)})")
    if wanted.score is not None and stored.score != wanted.score:
        problems.append(f"score {stored.score!r} (the check needs {wanted.score!r})")
    if stored.prediction is None and wanted.prediction is None and stored.threshold != wanted.threshold:
        problems.append(f"threshold {stored.threshold} (the check needs {wanted.threshold})")
    if problems:
        raise GovernError(
            STATS_MERGE_MISMATCH, "the partials were collected with " + "; ".join(problems), Location(where)
        )


def partials_of(item: Evidence, spec: Any, *, engine: str = "local", progress: Any = None, only: Any = None) -> Any:
    """Partials of one evidence item for a check wanting ``spec``.

    Stored partials are read back and checked for compatibility (``stats_merge_mismatch``);
    a table file is streamed under ``spec``.
    """
    from govern.stats import collect, collect_local

    if item.is_partials:
        stored = read_partials(item)
        _compatible(stored.spec, spec, item.name)
        return stored
    if engine != "local":
        return collect(str(item.path), spec, engine_name=engine, progress=progress)  # type: ignore[arg-type]
    return collect_local(item.path, spec, name=item.name, fmt=_format(item), progress=progress, only=only)


def reference_partials(
    item: Evidence, *, features: Sequence[str] | None = None, categorical: Sequence[str] = ()
) -> Any:
    """The reference partials (profile and states) of a reference evidence item: read back when
    stored as partials, else profiled from the file."""
    from govern.stats import Partials, Spec, profile_source

    if item.is_partials:
        return read_partials(item)
    exclude = [c for c in (item.mapping.label, item.mapping.prediction) if c]
    profiles, states = profile_source(
        item.path, features=features, categorical=categorical, exclude=exclude, name=item.name, fmt=_format(item)
    )
    spec = Spec(features=profiles)
    rows = max((s.rows for s in states.values()), default=0)
    return Partials.assemble(spec, rows=rows, features=states.values())


def stream_to_partials(
    role: str,
    source: Path | str,
    mapping: ColumnMapping,
    *,
    reference: Any = None,
    engine: str = "local",
    progress: Any = None,
) -> tuple[bytes, dict[str, Any]]:
    """Partials bytes of a dataset for ``role`` evidence, and their provenance.

    ``evaluation``/``partials``: fairness and score states under the mapping; ``reference``: the
    reference profile of every column but the label and prediction, with its states;
    ``current``: the states under ``reference``'s spec (the reference partials).
    """
    from govern.stats import Partials, Spec, collect, engine_version, profile_source

    where = str(source)
    if role in ("evaluation", "partials"):
        partials = collect(source, evaluation_spec(mapping), engine_name=engine, progress=progress)  # type: ignore[arg-type]
    elif role == "reference":
        exclude = [c for c in (mapping.label, mapping.prediction) if c]
        profiles, states = profile_source(source, exclude=exclude, name=where)
        rows = max((s.rows for s in states.values()), default=0)
        partials = Partials.assemble(Spec(features=profiles), rows=rows, features=states.values())
    elif role == "current":
        if reference is None:
            raise GovernError(
                EVIDENCE_MISSING, "add the reference evidence first: it fixes the grids current data is binned on"
            )
        partials = collect(source, reference.spec, engine_name=engine, progress=progress)  # type: ignore[arg-type]
    else:
        raise GovernError(EVIDENCE_ROLE_INVALID, f"a dataset cannot be {role} evidence", Location(where))
    digest, files = dataset_digest(source)
    provenance = {
        "engine": engine_version(engine),
        "dataset": where,
        "dataset_digest": digest,
        "files": files,
        "rows": partials.rows,
        "spec_digest": partials.spec.digest,
    }
    return partials.to_bytes(), provenance


def write_temp(data: bytes, directory: Path | str) -> Path:
    """``data`` in a temporary file under ``directory`` (the caller stores and removes it)."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".partials-", delete=False) as f:
        f.write(data)
        return Path(f.name)


__all__ = ["PARTIALS_MEDIA_TYPE"]
