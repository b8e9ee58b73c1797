"""Evidence as partial statistics: the partials a check reads, and the partials a dataset becomes.

``govern.evidence`` stores evidence and never imports this room. A dataset (a directory or a
glob) given to ``add_evidence(..., partials=to_partials)`` is streamed by :func:`to_partials`
into partials (a few kilobytes, canonical bytes), which evidence stores content-addressed with
their provenance: the engine and its version, the input dataset's digest, the files and the
rows; a partials file is validated and stored as given. Reference partials fix the reference
profile (grids, categories), so every later current window is comparable. Checks read the
partials of stored evidence through :func:`evidence_partials`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govern.core import GovernError, Location
from govern.evidence import ColumnMapping, Evidence, EvidenceSet, Role, dataset_digest, is_partials_file

from ._codes import EVIDENCE_MISSING, EVIDENCE_ROLE_INVALID, STATS_MERGE_MISMATCH
from ._local import collect_local, profile_source
from ._runner import Engine, collect, engine_version
from ._spec import Spec
from ._states import Partials


def _format(item: Evidence) -> str | None:
    name = (item.filename or str(item.path)).lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return None


def evaluation_spec(mapping: ColumnMapping, *, sensitive: Sequence[str] | None = None, threshold: float = 0.5) -> Spec:
    """The spec of an evaluation table under ``mapping`` (fairness and score states)."""
    return Spec(
        label=mapping.label,
        prediction=mapping.prediction,
        score=mapping.score,
        threshold=threshold,
        positive=mapping.positive,
        sensitive=tuple(sensitive if sensitive is not None else mapping.sensitive),
    )


def _read(data: bytes, where: str) -> Partials:
    """Partials from stored bytes (``stats_bytes_invalid`` located at ``where`` when they are not)."""
    try:
        return Partials.from_bytes(data)
    except GovernError as err:
        raise GovernError(err.code, err.message, Location(where)) from None


def _compatible(stored: Spec, wanted: Spec, where: str) -> None:
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


def _partials_of(item: Evidence, spec: Spec, *, engine: str, progress: Any, only: Any) -> Partials:
    """Partials of one evidence item for a check wanting ``spec``: stored partials read back and
    checked for compatibility (``stats_merge_mismatch``), a table file streamed under ``spec``."""
    if item.is_partials:
        stored = _read(Path(item.path).read_bytes(), item.name)
        _compatible(stored.spec, spec, item.name)
        return stored
    if engine != "local":
        return collect(str(item.path), spec, engine_name=engine, progress=progress)  # type: ignore[arg-type]
    return collect_local(item.path, spec, name=item.name, fmt=_format(item), progress=progress, only=only)


def evidence_partials(
    ev: EvidenceSet, role: Role, spec: Spec, *, purpose: str, progress: Any = None, only: Any = None
) -> Partials:
    """The partials of ``ev``'s ``role`` evidence under ``spec``, computed once per evidence set.

    Read back when the evidence is partials (``stats_merge_mismatch`` when collected under
    another spec), else streamed from the file by ``ev.engine`` (never loaded whole); without
    ``role`` evidence, ``evidence_missing`` naming ``purpose``.
    """
    item = ev.require(role, purpose=purpose)
    return ev.cached(
        ("partials", str(item.path), spec.digest, repr(only)),
        lambda: _partials_of(item, spec, engine=ev.engine, progress=progress, only=only),
    )


def reference_partials(
    item: Evidence, *, features: Sequence[str] | None = None, categorical: Sequence[str] = ()
) -> Partials:
    """The reference partials (profile and states) of a reference evidence item: read back when
    stored as partials, else profiled from the file."""
    if item.is_partials:
        return _read(Path(item.path).read_bytes(), item.name)
    return _profiled(
        item.path, item.mapping, name=item.name, fmt=_format(item), features=features, categorical=categorical
    )


def _profiled(source: Any, mapping: ColumnMapping, *, name: str, **options: Any) -> Partials:
    """The reference profile of every column of ``source`` but the label and prediction, with its states."""
    exclude = [c for c in (mapping.label, mapping.prediction) if c]
    profiles, states = profile_source(source, exclude=exclude, name=name, **options)
    rows = max((s.rows for s in states.values()), default=0)
    return Partials.assemble(Spec(features=profiles), rows=rows, features=states.values())


def to_partials(
    role: Role, source: Path, mapping: ColumnMapping, *, reference: Evidence | None, engine: Engine = "local"
) -> tuple[bytes, dict[str, Any], ColumnMapping]:
    """The partials bytes to store for a dataset or partials file given as ``role`` evidence, their
    provenance, and the column mapping to record (a partials file's own when none was given).

    A partials file is validated (``stats_bytes_invalid``) and kept byte for byte. A dataset is
    streamed by ``engine``: ``evaluation``/``partials``, the fairness and score states under the
    mapping; ``reference``, the reference profile of every column but the label and prediction,
    with its states; ``current``, the states under the stored ``reference`` evidence's spec
    (``evidence_missing`` without one). Any other role is ``evidence_role_invalid``.
    """
    where = str(source)
    if is_partials_file(source):
        data = source.read_bytes()
        partials = _read(data, source.name)
        if partials.spec.label and mapping.label is None:
            mapping = ColumnMapping(
                label=partials.spec.label,
                prediction=partials.spec.prediction,
                score=partials.spec.score,
                sensitive=partials.spec.sensitive,
                positive=partials.spec.positive,
            )
        return data, {"engine": "external", "rows": partials.rows, "spec_digest": partials.spec.digest}, mapping
    if role in ("evaluation", "partials"):
        partials = collect(source, evaluation_spec(mapping), engine_name=engine)
    elif role == "reference":
        partials = _profiled(source, mapping, name=where)
    elif role == "current":
        if reference is None:
            raise GovernError(
                EVIDENCE_MISSING, "add the reference evidence first: it fixes the grids current data is binned on"
            )
        partials = collect(source, reference_partials(reference).spec, engine_name=engine)
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
    return partials.to_bytes(), provenance, mapping
