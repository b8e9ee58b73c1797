"""The ``dask`` adapter: partials of a Dask DataFrame by ``map_partitions`` and a tree reduce.

Each partition is turned into Arrow where it lives and folded into a state with the local
runner's ``update``; the workers return only the states' canonical bytes, merged pairwise in a
tree (``split_every`` at a time) on the cluster. The raw rows never reach the client, and the
bytes equal the local runner's for the same rows. The workers need govern installed.
"""

from __future__ import annotations

from typing import Any

from govern.core import GovernError, Location

from ._codes import EVIDENCE_MISSING_COLUMN
from ._paths import files_of, is_path
from ._spec import Spec
from ._states import Partials


def _needed(spec: Spec) -> list[str]:
    names = [n for n in (spec.label, spec.prediction, spec.score) if n] + list(spec.sensitive)
    return list(dict.fromkeys(names + [f.name for f in spec.features]))


def partition_bytes(frame: Any, spec_doc: dict[str, Any], columns: list[str]) -> bytes:
    """The partials of one pandas partition (run on a worker)."""
    import pyarrow as pa

    from govern.stats import Partials as _Partials
    from govern.stats import Spec as _Spec

    state = _Partials(_Spec.from_dict(spec_doc))
    table = pa.Table.from_pandas(frame[columns], preserve_index=False)
    for batch in table.to_batches():
        state.update(batch)
    return state.to_bytes()


def merge_bytes(spec_doc: dict[str, Any], *parts: bytes) -> bytes:
    """Merge several partials (run on a worker); the result is their canonical bytes."""
    from govern.stats import Partials as _Partials
    from govern.stats import Spec as _Spec

    spec = _Spec.from_dict(spec_doc)
    total = _Partials(spec)
    for data in parts:
        total = total.merge(_Partials.from_bytes(data, spec))
    return total.to_bytes()


def collect(ddf: Any, spec: Spec, *, progress: Any = None, split_every: int = 8, where: str = "dask") -> Partials:
    """Partials of the Dask DataFrame ``ddf`` (or of Parquet/CSV files, read by Dask) under
    ``spec``, computed on its scheduler (the active ``distributed.Client`` when there is one)."""
    if is_path(ddf):
        import dask.dataframe as dd

        where = str(ddf)
        paths, fmt = files_of(ddf)
        ddf = dd.read_parquet(paths) if fmt == "parquet" else dd.read_csv(paths)
    from dask import compute, delayed  # type: ignore[attr-defined]

    columns = _needed(spec)
    missing = [n for n in columns if n not in ddf.columns]
    if missing:
        raise GovernError(EVIDENCE_MISSING_COLUMN, f"column {missing[0]!r} not found", Location(where))
    doc = spec.describe()
    level = [delayed(partition_bytes)(part, doc, columns) for part in ddf.to_delayed()]
    if not level:
        return Partials(spec)
    while len(level) > 1:
        level = [delayed(merge_bytes)(doc, *level[i : i + split_every]) for i in range(0, len(level), split_every)]
    (data,) = compute(level[0])  # type: ignore[no-untyped-call]
    return Partials.from_bytes(data, spec)


def VERSION() -> str:
    from importlib.metadata import version

    return f"dask-{version('dask')}"
