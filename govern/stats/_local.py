"""The local runner: stream a file, directory, glob or hive-partitioned tree through the states.

``pyarrow.dataset`` reads one fragment (file) at a time in record batches of at most
``batch_size`` rows with little read-ahead, so memory is bounded by a few batches per worker
whatever the dataset's size. Fragments are processed by ``workers`` threads (numpy and Arrow
release the GIL), each into its own :class:`Partials`; merging them is exact, so the bytes do
not depend on the thread schedule.
"""

from __future__ import annotations

import functools
import glob as _glob
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from govern.core import GovernError, Location

from ._codes import (
    EVIDENCE_EMPTY,
    EVIDENCE_MISSING_COLUMN,
    EVIDENCE_UNREADABLE,
    EVIDENCE_UNSUPPORTED_FORMAT,
    STATS_SPEC_INVALID,
)
from ._columns import column, numbers
from ._spec import DEFAULT_BINS, DISTINCT_CAP, PSI_BINS, CategoricalProfile, FeatureProfile, NumericProfile, Spec
from ._states import CategoryState, FeatureState, NumericState, Partials, _scratch

Progress = Callable[[int, int], None]
BATCH_SIZE = 1 << 17
_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
EXACT_DECILES_MAX_CELL = 2_000_000
# A Parquet reader holds the decoded columns of the row group it reads, so a wide file is read in
# groups of at most this many feature columns (each group a task of its own): memory per reader
# is bounded by the group, not by the file's width, and the bytes read are the same.
COLUMNS_PER_READ = 16
T = TypeVar("T")


def _format_of(paths: Sequence[str], where: str) -> str:
    kinds = {_FORMATS.get(Path(p).suffix.lower()) for p in paths}
    kinds.discard(None)
    if len(kinds) != 1:
        raise GovernError(
            EVIDENCE_UNSUPPORTED_FORMAT,
            "a dataset must be .csv or .parquet files (one format)" if not kinds else "a dataset mixes CSV and Parquet",
            Location(where),
        )
    return str(next(iter(kinds)))


def dataset(
    source: str | Path | Sequence[str | Path],
    *,
    name: str | None = None,
    fmt: str | None = None,
    dictionary: Sequence[str] = (),
) -> Any:
    """A ``pyarrow.dataset.Dataset`` over a file, a directory (hive partitions discovered), a glob
    or a list of files; ``fmt`` (``csv``/``parquet``) when the names carry no suffix (stored
    blobs); ``dictionary`` columns are read dictionary-encoded (text columns of few values: groups,
    categories), so a batch holds codes, not repeated strings. Raises ``evidence_unreadable`` /
    ``evidence_unsupported_format``."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    where = name or (str(source) if isinstance(source, (str, Path)) else "dataset")
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        root = Path(source)
        files = sorted(
            str(p)
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in _FORMATS and not p.name.startswith((".", "_"))
        )
        if not files:
            raise GovernError(EVIDENCE_EMPTY, "the directory holds no .csv or .parquet file", Location(where))
        fmt = fmt or _format_of(files, where)
        try:
            return ds.dataset(
                files, format=_file_format(fmt, dictionary), partitioning="hive", partition_base_dir=str(root)
            )
        except (pa.ArrowInvalid, OSError) as exc:
            raise GovernError(EVIDENCE_UNREADABLE, _first_line(exc), Location(where)) from None
    if isinstance(source, (str, Path)):
        text = str(source)
        files = sorted(_glob.glob(text, recursive=True))  # noqa: PTH207 - a user's glob, absolute or relative if any(c in text for c in "*?[") else [text]
    else:
        files = [str(p) for p in source]
    if not files:
        raise GovernError(EVIDENCE_UNREADABLE, "no file matches", Location(where))
    for f in files:
        if not Path(f).is_file():
            raise GovernError(EVIDENCE_UNREADABLE, "file not found", Location(f))
    fmt = fmt or _format_of(files, where)
    try:
        return ds.dataset(files, format=_file_format(fmt, dictionary))
    except (pa.ArrowInvalid, OSError) as exc:
        raise GovernError(EVIDENCE_UNREADABLE, _first_line(exc), Location(where)) from None


def _as_dataset(source: Any, name: str | None, fmt: str | None, dictionary: Sequence[str] = ()) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as ds

    if isinstance(source, ds.Dataset):
        return source
    if isinstance(source, (pa.Table, pa.RecordBatch)):
        return ds.dataset(pa.Table.from_batches([source]) if isinstance(source, pa.RecordBatch) else source)
    return dataset(source, name=name, fmt=fmt, dictionary=dictionary)


def _path(fragment: Any, where: str) -> str:
    return str(getattr(fragment, "path", "") or where)


def _file_format(fmt: str, dictionary: Sequence[str] = ()) -> Any:
    import pyarrow.csv as pcsv
    import pyarrow.dataset as ds

    if fmt == "csv":
        convert = pcsv.ConvertOptions(auto_dict_encode=bool(dictionary))
        return ds.CsvFileFormat(parse_options=pcsv.ParseOptions(), convert_options=convert)
    # No pre-buffering: it holds a whole row group's column chunks per reader (a local or mounted
    # file gains nothing from it), and memory is what bounds a scan of wide files.
    return ds.ParquetFileFormat(
        read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary)),
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False),
    )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def fragments(data: Any) -> list[Any]:
    return list(data.get_fragments())


def fragment_batches(
    fragment: Any, columns: Sequence[str] | None, *, batch_size: int = BATCH_SIZE, where: str = "dataset"
) -> Iterator[Any]:
    """The record batches of one fragment (only ``columns``), streamed; errors located at the file."""
    import pyarrow as pa

    try:
        names = fragment.physical_schema.names
        wanted = None if columns is None else [c for c in columns if c in names]  # partitions: added after
        yield from fragment.to_batches(
            columns=wanted, batch_size=batch_size, batch_readahead=1, use_threads=True, memory_pool=_memory_pool()
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise GovernError(EVIDENCE_UNREADABLE, _first_line(exc), Location(_path(fragment, where))) from None


@functools.cache
def _memory_pool() -> Any:
    """Arrow's jemalloc pool when this pyarrow has it: a scan allocates and frees every batch's
    buffers, and jemalloc keeps reusing them where the default pool hands pages back and faults
    them in again (measured on 50 x 10^7 values: a third less system time, less peak RSS)."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a build without jemalloc
        return pa.default_memory_pool()


def _columns(spec: Spec, only: Sequence[str] | None = None) -> list[str]:
    wanted = set(only) if only is not None else {"fairness", "scores", "features"}
    score = spec.score if "scores" in wanted or spec.prediction is None else None
    sensitive = spec.sensitive if "fairness" in wanted else ()
    features = [f.name for f in spec.features] if "features" in wanted else []
    names = [spec.label, spec.prediction, score, *sensitive, *features]
    return list(dict.fromkeys(n for n in names if n))


def column_groups(features: Sequence[str], base: Sequence[str] = ()) -> list[tuple[list[str], list[str]]]:
    """(columns read, features counted) of each read: ``features`` in groups of
    ``COLUMNS_PER_READ``; the ``base`` columns (label, score, sensitive attributes: read together)
    with the first group."""
    groups = [list(features[i : i + COLUMNS_PER_READ]) for i in range(0, len(features), COLUMNS_PER_READ)] or [[]]
    return [(list(dict.fromkeys([*base, *g])) if i == 0 else g, g) for i, g in enumerate(groups)]


def _check_columns(data: Any, columns: Sequence[str], where: str) -> None:
    have = data.schema.names
    missing = [c for c in columns if c not in have]
    if missing:
        raise GovernError(
            EVIDENCE_MISSING_COLUMN,
            f"column {missing[0]!r} not found (columns: {', '.join(have[:12])})",
            Location(where),
        )


def _each_task(
    parts: Sequence[Any], n_groups: int, work: Callable[[Any, int], T], workers: int
) -> Iterator[tuple[int, int, T]]:
    """``work(fragment, group)`` for every file and column group on ``workers`` threads:
    ``(file index, group, result)`` in file order, each group within its file in order."""
    tasks = [(fragment, g) for fragment in parts for g in range(n_groups)]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(tasks)))) as pool:
        for done, result in enumerate(pool.map(lambda task: work(*task), tasks)):
            yield done // n_groups, done % n_groups, result


class _ByGroup:
    """One :class:`Partials` per column group, merged as the files come (memory stays flat)."""

    def __init__(self, n_groups: int) -> None:
        self._acc: list[Partials | None] = [None] * n_groups

    def add(self, g: int, state: Partials) -> None:
        have = self._acc[g]
        self._acc[g] = state if have is None else have.merge(state)

    def assemble(self, spec: Spec) -> Partials:
        """The groups as one: rows, fairness and scores from the first group (it reads them)."""
        first = self._acc[0]
        assert first is not None
        return Partials.assemble(
            spec,
            rows=first.rows,
            fairness=first.fairness,
            scores=first.scores,
            features=[state for part in self._acc if part is not None for state in part.features.values()],
        )


def collect_local(
    source: Any,
    spec: Spec,
    *,
    name: str | None = None,
    fmt: str | None = None,
    workers: int = 2,
    batch_size: int = BATCH_SIZE,
    only: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Partials:
    """The partials of ``source`` (path, directory, glob, file list or a ``pyarrow.dataset``)
    under ``spec``, streamed; ``progress(files done, files)`` after each file."""
    text = [*spec.sensitive, *(f.name for f in spec.features if isinstance(f, CategoricalProfile))]
    data = _as_dataset(source, name, fmt, text)
    where = name or ("table" if not isinstance(source, (str, Path)) else str(source))
    columns = _columns(spec, only)
    _check_columns(data, columns, where)
    parts = fragments(data)
    if not parts:
        raise GovernError(EVIDENCE_EMPTY, "the dataset holds no file", Location(where))

    template = Partials(spec, only=only)
    features = [c for c in columns if c in template.features]
    parts_wanted = only if only is not None else ("fairness", "scores", "features")
    groups = column_groups(features, _columns(spec, [p for p in parts_wanted if p != "features"]))

    def one(fragment: Any, g: int) -> Partials:
        read, counted = groups[g]
        state = template.empty_like(features=counted, with_tables=g == 0)
        for batch in fragment_batches(fragment, read, batch_size=batch_size, where=where):
            state.update(_with_partitions(batch, fragment, read), where=_path(fragment, where))
        return state

    merged = _ByGroup(len(groups))
    for done, g, state in _each_task(parts, len(groups), one, workers):
        merged.add(g, state)
        if progress is not None and g == len(groups) - 1:
            progress(done + 1, len(parts))
    out = merged.assemble(spec)
    if out.rows == 0:
        raise GovernError(EVIDENCE_EMPTY, "the dataset has no data rows", Location(where))
    return out


def _with_partitions(batch: Any, fragment: Any, columns: Sequence[str]) -> Any:
    """Add hive partition columns (constant per fragment) the batch lacks."""
    missing = [c for c in columns if c not in batch.schema.names]
    if not missing:
        return batch
    import pyarrow as pa
    import pyarrow.dataset as ds

    values = ds.get_partition_keys(fragment.partition_expression)
    arrays = list(batch.columns)
    names = list(batch.schema.names)
    for missing_name in missing:
        if missing_name in values:
            arrays.append(pa.array([values[missing_name]] * batch.num_rows))
            names.append(missing_name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


# -- the reference profile ------------------------------------------------------------------------


def _is_numeric_type(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def profile_source(
    source: Any,
    *,
    features: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    exclude: Sequence[str] = (),
    bins: int = DEFAULT_BINS,
    name: str | None = None,
    fmt: str | None = None,
    batch_size: int = BATCH_SIZE,
    exact_deciles: bool = True,
    distinct_cap: int = DISTINCT_CAP,
    workers: int = 2,
) -> tuple[tuple[FeatureProfile, ...], dict[str, FeatureState]]:
    """Fix the reference profile of ``features`` from a reference dataset, and its states.

    Pass 1 reads the first batch that has values for the grid range; pass 2 streams everything
    into histograms, exact min/max, the mean and variance (merged in file order, so the profile
    is a deterministic function of the dataset); pass 3 (only when needed and ``exact_deciles``)
    re-reads the values of the few cells holding the decile order statistics, so the PSI edges
    are the exact ``numpy.quantile`` deciles. Returns the profiles and the reference states under
    a spec holding exactly those profiles.
    """
    data = _as_dataset(source, name, fmt)
    where = name or ("table" if not isinstance(source, (str, Path)) else str(source))
    schema = data.schema
    names = [n for n in (features if features is not None else schema.names) if n not in set(exclude)]
    _check_columns(data, names, where)
    forced = set(categorical)
    numeric = [n for n in names if n not in forced and _is_numeric_type(schema.field(n).type)]
    parts = fragments(data)
    # Pass 1: the grid range from the first values seen.
    ranges: dict[str, tuple[float, float]] = {}
    for fragment in parts:
        for batch in fragment_batches(fragment, numeric, batch_size=batch_size, where=where):
            for n in numeric:
                if n in ranges:
                    continue
                x = _finite(batch, n, _path(fragment, where))
                if len(x):
                    ranges[n] = (float(x.min()), float(x.max()))
            if len(ranges) == len(numeric):
                break
        if len(ranges) == len(numeric):
            break
    for n in numeric:
        if n not in ranges:
            raise GovernError(EVIDENCE_EMPTY, f"feature {n!r} has no finite reference values", Location(where))
    draft = Spec(
        features=tuple(
            NumericProfile(name=n, lo=ranges[n][0], hi=ranges[n][1], bins=bins)
            if n in ranges
            else CategoricalProfile(name=n)
            for n in names
        ),
        distinct_cap=distinct_cap,
    )
    # Pass 2: histograms and moments, per file (``workers`` threads), merged in file order.
    moments: dict[str, list[tuple[int, float, float]]] = {n: [] for n in numeric}

    groups = column_groups(names)
    template = Partials(draft)

    def two(fragment: Any, g: int) -> tuple[Partials, dict[str, list[tuple[int, float, float]]]]:
        at = _path(fragment, where)
        local = template.empty_like(features=groups[g][1], with_tables=False)
        frag_moments: dict[str, list[tuple[int, float, float]]] = {n: [] for n in local.features if n in moments}
        for batch in fragment_batches(fragment, groups[g][0], batch_size=batch_size, where=where):
            local.rows += int(batch.num_rows)
            for n, state in local.features.items():
                if not isinstance(state, NumericState):
                    state.update(batch, where=at)
                    continue
                values = numbers(column(batch, n, at), n, at)
                state.add_values(values)
                x = values
                if values.dtype.kind == "f" and np.isnan(values).any():
                    x = values[~np.isnan(values)]
                if len(x):
                    work = _scratch("moments", len(x), np.float64)  # a float64 copy, centred in place below
                    np.copyto(work, x)
                    x = work
                    mean = float(np.mean(x))
                    np.subtract(x, mean, out=x)
                    np.square(x, out=x)
                    frag_moments[n].append((len(x), mean, float(np.sum(x))))
        return local, frag_moments

    merged = _ByGroup(len(groups))
    for _, g, (local, frag_moments) in _each_task(parts, len(groups), two, workers):
        for n, found in frag_moments.items():
            moments[n].extend(found)  # in file order: the variance is a deterministic function of the files
        merged.add(g, local)
    states = merged.assemble(draft)
    # Pass 3 (when the exact deciles are not already known): values of the decile cells.
    wanted: dict[str, list[tuple[int, int]]] = {}
    for n in numeric:
        st = states.features[n]
        assert isinstance(st, NumericState)
        if st.distinct is None and exact_deciles:
            wanted[n] = _decile_ranks(int(st.counts.sum()))
    collected = _collect_cells(parts, draft, states, wanted, batch_size, where, workers) if wanted else {}
    profiles: list[FeatureProfile] = []
    for n in names:
        st = states.features[n]
        if isinstance(st, CategoryState):
            profiles.append(CategoricalProfile(name=n, categories=tuple(sorted(st.counts))))
            continue
        assert isinstance(st, NumericState)
        std = _std(moments[n])
        edges = _deciles(st, collected.get(n))
        profiles.append(
            NumericProfile(name=n, lo=ranges[n][0], hi=ranges[n][1], bins=bins, psi_edges=tuple(edges), std=std)
        )
    final = Spec(features=tuple(profiles), distinct_cap=distinct_cap)
    rebuilt: dict[str, FeatureState] = {}
    fallback = [
        n
        for n in numeric
        if n not in collected and isinstance(st := states.features[n], NumericState) and st.distinct is None
    ]
    if fallback:  # grid-snapped deciles: count their splits in one more pass over those features
        again = collect_local(
            data,
            Spec(features=tuple(p for p in profiles if p.name in fallback), distinct_cap=distinct_cap),
            name=where,
            workers=workers,
            batch_size=batch_size,
        )
        rebuilt = dict(again.features)
    out: dict[str, FeatureState] = {}
    for profile in profiles:
        old = states.features[profile.name]
        if isinstance(old, CategoryState):
            cat = CategoryState(final, profile.name)
            cat.counts, cat.nulls = dict(old.counts), old.nulls
            out[profile.name] = cat
            continue
        assert isinstance(old, NumericState)
        num = NumericState(final, profile.name)
        num.counts, num.nulls, num.low, num.high, num.distinct = old.counts, old.nulls, old.low, old.high, old.distinct
        if profile.name in rebuilt:
            num.splits = rebuilt[profile.name].splits  # type: ignore[union-attr]
        else:
            num.splits = _splits(num, collected.get(profile.name))
        out[profile.name] = num
    return tuple(profiles), out


def _finite(batch: Any, name: str, where: str, *, keep_inf: bool = False) -> np.ndarray:
    from ._columns import column, floats

    x = floats(column(batch, name, where), name, where)
    kept: np.ndarray = x[~np.isnan(x)] if keep_inf else x[np.isfinite(x)]
    return kept


def _std(parts: list[tuple[int, float, float]]) -> float:
    """Population standard deviation from per-batch (n, mean, M2), combined in order (Chan et al.)."""
    n, mean, m2 = 0, 0.0, 0.0
    for k, mk, m2k in parts:
        total = n + k
        delta = mk - mean
        mean += delta * k / total
        m2 += m2k + delta * delta * n * k / total
        n = total
    return math.sqrt(m2 / n) if n else 0.0


def _decile_ranks(n: int) -> list[tuple[int, int]]:
    """For each inner decile, the 0-based ranks of the two order statistics numpy interpolates."""
    out = []
    for q in np.linspace(0, 1, PSI_BINS + 1)[1:-1]:
        h = (n - 1) * q
        i = math.floor(h)
        out.append((i, min(i + 1, n - 1)))
    return out


def _collect_cells(
    parts: list[Any],
    draft: Spec,
    states: Partials,
    wanted: dict[str, list[tuple[int, int]]],
    batch_size: int,
    where: str = "dataset",
    workers: int = 2,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per feature: (cells collected, their first rank, sorted values of those cells)."""
    plan: dict[str, np.ndarray] = {}
    for n, ranks in wanted.items():
        st = states.features[n]
        assert isinstance(st, NumericState)
        cum = np.cumsum(st.counts)
        cells = np.unique(np.searchsorted(cum, np.asarray([r for pair in ranks for r in pair]), side="right"))
        if int(st.counts[cells].sum()) > EXACT_DECILES_MAX_CELL:
            continue
        plan[n] = cells
    if not plan:
        return {}
    tables = {}
    for n, cells in plan.items():
        table = np.zeros(draft.feature(n).n_cells, dtype=bool)  # type: ignore[union-attr]
        table[cells] = True
        tables[n] = table

    groups = column_groups(list(plan))

    def three(fragment: Any, g: int) -> dict[str, list[np.ndarray]]:
        at = _path(fragment, where)
        found: dict[str, list[np.ndarray]] = {n: [] for n in groups[g][1]}
        for batch in fragment_batches(fragment, groups[g][0], batch_size=batch_size, where=where):
            for n in found:
                x = numbers(column(batch, n, at), n, at)
                if x.dtype.kind == "f":
                    x = x[~np.isnan(x)]
                profile = draft.feature(n)
                assert isinstance(profile, NumericProfile)
                found[n].append(x[tables[n][profile.cells(x)]].astype(np.float64))
        return found

    chunks: dict[str, list[np.ndarray]] = {n: [] for n in plan}
    for _, _, found in _each_task(parts, len(groups), three, workers):
        for n, values in found.items():
            chunks[n].extend(values)
    out = {}
    for n, cells in plan.items():
        st = states.features[n]
        assert isinstance(st, NumericState)
        cum = np.cumsum(st.counts)
        first = np.where(cells > 0, cum[np.maximum(cells - 1, 0)], 0)
        first[cells == 0] = 0
        out[n] = (cells, first, np.sort(np.concatenate(chunks[n])))
    return out


def _deciles(state: NumericState, collected: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> list[float]:
    """Exact reference deciles (numpy's linear interpolation) from the distinct table or the
    collected cells; grid cell boundaries when neither is available."""
    n = int(state.counts.sum())
    ranks = _decile_ranks(n)
    if state.distinct is not None:
        values, counts = state.distinct
        cum = np.cumsum(counts)

        def at(rank: int) -> float:
            return float(values[int(np.searchsorted(cum, rank, side="right"))])

    elif collected is not None:
        _, _, sorted_values = collected
        profile = state.profile
        value_cells = profile.cells(sorted_values)

        def at(rank: int) -> float:
            cum = np.cumsum(state.counts)
            cell = int(np.searchsorted(cum, rank, side="right"))
            start = int(np.searchsorted(value_cells, cell, side="left"))
            before = int(cum[cell - 1]) if cell > 0 else 0
            return float(sorted_values[start + rank - before])

    else:
        cum = np.cumsum(state.counts)
        step = 1.0 / state.profile.scale

        def at(rank: int) -> float:
            cell = int(np.searchsorted(cum, rank, side="right"))
            return float(min(max(state.profile.lo + cell * step, state.low), state.high))

    edges = []
    for q, (i, j) in zip(np.linspace(0, 1, PSI_BINS + 1)[1:-1], ranks, strict=True):
        h = (n - 1) * q
        a, b = at(i), at(j)
        edges.append(float(np.quantile(np.asarray([a, b]), h - math.floor(h))))
    return sorted(set(edges))


def _splits(state: NumericState, collected: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Rows of each PSI edge's cell that are <= the edge, from the distinct table or collected cells."""
    out = np.zeros(len(state.profile.psi_edges), dtype=np.int64)
    for k, (edge, cell) in enumerate(zip(state._edges, state._edge_cells, strict=True)):
        if state.counts[cell] == 0:
            continue
        if state.distinct is not None:
            values, counts = state.distinct
            inside = state.profile.cells(values) == cell
            out[k] = int(counts[inside & (values <= edge)].sum())
        elif collected is not None and cell in set(collected[0].tolist()):
            values = collected[2]
            out[k] = int(np.count_nonzero((state.profile.cells(values) == cell) & (values <= edge)))
        else:  # pragma: no cover - an exact edge lies between its two order statistics, in a collected or empty cell
            raise GovernError(
                STATS_SPEC_INVALID, f"feature {state.name!r}: PSI edge {edge!r} outside the collected cells"
            )
    return out
