"""The ``ray`` adapter: partials of a Ray Dataset by ``map_batches`` and a reduce.

Each block is folded into a state where it lives (``map_batches`` with Arrow batches, one block
per call) and only the states' canonical bytes come back; the driver merges them (a few kB to a
few MB each). The raw rows never leave the cluster, and the bytes equal the local runner's for
the same rows. The workers need govern installed.
"""

from __future__ import annotations

from typing import Any

from govern.core import GovernError, Location

from ._codes import EVIDENCE_MISSING_COLUMN
from ._paths import files_of, is_path
from ._spec import Spec
from ._states import Partials


def block_partials(table: Any, spec_doc: dict[str, Any], columns: list[str]) -> Any:
    """The partials of one block, as a one-row Arrow table (run on a worker)."""
    import pyarrow as pa

    from govern.stats import Partials as _Partials
    from govern.stats import Spec as _Spec

    state = _Partials(_Spec.from_dict(spec_doc))
    for batch in table.select(columns).to_batches():
        state.update(batch)
    return pa.table({"partials": pa.array([state.to_bytes()], type=pa.binary())})


def collect(dataset: Any, spec: Spec, *, progress: Any = None, where: str = "ray") -> Partials:
    """Partials of the Ray Dataset ``dataset`` (or of Parquet/CSV files, read by Ray Data) under
    ``spec``; a path source starts a local Ray when none is running."""
    if is_path(dataset):
        import ray

        where = str(dataset)
        paths, fmt = files_of(dataset)
        if not ray.is_initialized():
            ray.init(include_dashboard=False, log_to_driver=False)
        dataset = ray.data.read_parquet(paths) if fmt == "parquet" else ray.data.read_csv(paths)
    names = [n for n in (spec.label, spec.prediction, spec.score) if n] + list(spec.sensitive)
    columns = list(dict.fromkeys(names + [f.name for f in spec.features]))
    schema = dataset.schema()
    present = set(schema.names) if schema is not None else set()
    missing = [n for n in columns if n not in present]
    if missing:
        raise GovernError(EVIDENCE_MISSING_COLUMN, f"column {missing[0]!r} not found", Location(where))
    parts = dataset.map_batches(
        block_partials,
        fn_kwargs={"spec_doc": spec.describe(), "columns": columns},
        batch_format="pyarrow",
        batch_size=None,
        zero_copy_batch=True,
    )
    total = Partials(spec)
    for row in parts.iter_rows():
        total = total.merge(Partials.from_bytes(bytes(row["partials"]), spec))
    return total


def VERSION() -> str:
    import ray

    return f"ray-{ray.__version__}"
