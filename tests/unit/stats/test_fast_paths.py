"""The vectorized update paths count exactly what a per-row Python count gives, for every column type."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from govern.core import GovernError
from govern.stats import FairnessState, NumericProfile, NumericState, Spec


def _rowwise(table: pa.Table, spec: Spec) -> dict[tuple[str, ...], list[int]]:
    """Confusion cells per group by a plain loop over Python values (the reference)."""
    out: dict[tuple[str, ...], list[int]] = {}
    assert spec.label is not None
    for row in table.to_pylist():
        y = int(row[spec.label])
        p = int(row[spec.prediction]) if spec.prediction else int(float(row[spec.score]) >= spec.threshold)  # type: ignore[index]
        cells = out.setdefault(tuple(str(row[c]) for c in spec.sensitive), [0, 0, 0, 0])
        cells[y * 2 + p] += 1
    return out


def _cells(state: FairnessState) -> dict[tuple[str, ...], list[int]]:
    return {g: [int(v) for v in c] for g, c in state.cells.items() if c.sum()}


RNG = np.random.default_rng(7)
N = 3_000
Y = RNG.integers(0, 2, N)
# scores on both sides of thresholds that float32 cannot represent (0.3, 0.7): float64 comparison
S32 = np.concatenate([np.float32([0.3, np.nextafter(np.float32(0.3), 1), 0.7]), RNG.random(N - 3).astype(np.float32)])


@pytest.mark.parametrize(
    "label",
    [
        pa.array(Y.astype(np.int8)),
        pa.array(Y.astype(np.int64)),
        pa.array(Y.astype(np.uint16)),
        pa.array(Y.astype(bool)),
        pa.array(Y.astype(np.float64)),
        pa.array(np.where(Y == 1, "true", "false")),
    ],
    ids=["int8", "int64", "uint16", "bool", "float", "text"],
)
@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.7])
@pytest.mark.parametrize("score_type", [pa.float32(), pa.float64()])
def test_fairness_counts_equal_a_rowwise_count(label: Any, threshold: float, score_type: Any) -> None:
    groups = RNG.choice(["a", "b", "c"], N)
    table = pa.table(
        {
            "y": label,
            "s": pa.array(S32).cast(score_type),
            "g": pa.array(groups).dictionary_encode(),
            "h": pa.array(RNG.integers(0, 4, N)),  # integer groups: encoded, keyed as str()
        }
    )
    spec = Spec(label="y", score="s", threshold=threshold, sensitive=("g", "h"))
    reference = _rowwise(table.set_column(0, "y", pa.array(Y)), spec)
    whole = FairnessState(spec).update(table)
    assert _cells(whole) == reference
    batches = FairnessState(spec)
    for batch in table.to_batches(max_chunksize=700):
        batches.update(batch)
    assert batches.to_bytes() == whole.to_bytes()


def test_a_huge_intersection_cube_counts_only_present_keys() -> None:
    n = 2_000
    table = pa.table(
        {
            "y": RNG.integers(0, 2, n),
            "p": RNG.integers(0, 2, n),
            "a": pa.array([f"a{i}" for i in RNG.integers(0, 1500, n)]),
            "b": pa.array([f"b{i}" for i in RNG.integers(0, 1500, n)]),
        }
    )
    spec = Spec(label="y", prediction="p", sensitive=("a", "b"))  # 4 * ~1500^2 cells > the dense cap
    assert _cells(FairnessState(spec).update(table)) == _rowwise(table, spec)


def test_fast_paths_keep_the_located_errors() -> None:
    spec = Spec(label="y", score="s", sensitive=("g",))
    cases = [
        ({"y": pa.array([0, 2], pa.int8()), "s": [0.1, 0.2], "g": ["a", "b"]}, "evidence_label_not_binary"),
        ({"y": pa.array([0, -1], pa.int8()), "s": [0.1, 0.2], "g": ["a", "b"]}, "evidence_label_not_binary"),
        ({"y": pa.array([0, None], pa.int8()), "s": [0.1, 0.2], "g": ["a", "b"]}, "evidence_missing_values"),
        ({"y": [0, 1], "s": pa.array([0.1, np.nan], pa.float32()), "g": ["a", "b"]}, "evidence_missing_values"),
        ({"y": [0, 1], "s": pa.array([0.9, None], pa.float32()), "g": ["a", "b"]}, "evidence_missing_values"),
        ({"y": [0, 1], "s": ["x", "y"], "g": ["a", "b"]}, "evidence_wrong_type"),
    ]
    for columns, code in cases:
        with pytest.raises(GovernError) as err:
            FairnessState(spec).update(pa.table(columns), where="eval.parquet")
        assert err.value.code == code and "eval.parquet" in str(err.value), columns


def _numeric_reference(profile: NumericProfile, values: np.ndarray) -> tuple[np.ndarray, int]:
    """Grid counts by the spec's formula, one Python value at a time."""
    counts = np.zeros(profile.n_cells, dtype=np.int64)
    nulls = 0
    for v in values.tolist():
        if v is None or v != v:
            nulls += 1
        elif v < profile.lo:
            counts[0] += 1
        elif v == float("inf"):
            counts[-1] += 1
        else:
            counts[1 + min(int(np.floor((v - profile.lo) * profile.scale)), profile.bins)] += 1
    return counts, nulls


def _numeric_array(kind: Any) -> Any:
    """Values of ``kind`` below, inside and above the grid, with nulls (and NaN / inf for floats)."""
    values = RNG.normal(20, 15, 4_000)
    mask = RNG.random(len(values)) < 0.02
    if pa.types.is_integer(kind):
        info = np.iinfo(kind.to_pandas_dtype())
        values = np.clip(np.rint(values), max(info.min, -1000), min(info.max, 1000))
        return pa.array(values.astype(kind.to_pandas_dtype()), mask=mask)
    values[RNG.random(len(values)) < 0.01] = np.nan
    values[:4] = [np.inf, -np.inf, 41.5, 3.0]
    return pa.array(values, mask=mask).cast(kind)


@pytest.mark.parametrize("kind", [pa.float32(), pa.float64(), pa.int8(), pa.int16(), pa.int64(), pa.uint8()], ids=str)
def test_numeric_grid_counts_equal_the_formula(kind: Any) -> None:
    array = _numeric_array(kind)
    profile = NumericProfile(name="x", lo=3.0, hi=41.5, bins=97, psi_edges=(10.0, 20.0, 25.5))
    spec = Spec(features=(profile,), distinct_cap=50)
    state = NumericState(spec, "x")
    for batch in pa.table({"x": array}).to_batches(max_chunksize=1_000):
        state.update(batch)
    x = array.cast(pa.float64()).to_numpy(zero_copy_only=False)
    expected, nulls = _numeric_reference(profile, x)
    np.testing.assert_array_equal(state.counts, expected)
    assert state.nulls == nulls
    x = x[~np.isnan(x)]
    assert state.low == x.min() and state.high == x.max()
    cum = np.cumsum(state.counts)
    for k, edge in enumerate(profile.psi_edges):
        cell = int(profile.cells(np.asarray([edge]))[0])
        assert (cum[cell - 1] if cell else 0) + state.splits[k] == int((x <= edge).sum())


def _exact_table(x: np.ndarray) -> tuple[list[float], list[int]]:
    values, counts = np.unique(x[~np.isnan(x)], return_counts=True)
    return values.tolist(), counts.tolist()


@pytest.mark.parametrize(
    "case",
    [
        "integers inside the grid",
        "integers beyond both ends",  # the under- and overflow cells hold many values
        "second value in a cell later",  # one-value-per-cell form gives way to the explicit table
        "over the cap",
        "continuous",
    ],
)
@pytest.mark.parametrize("chunk", [97, 1_000, 10_000])
def test_distinct_table_equals_numpy_unique_in_every_form(case: str, chunk: int) -> None:
    rng = np.random.default_rng(3)
    n = 6_000
    x = rng.integers(0, 40, n).astype(np.float64)
    profile = NumericProfile(name="x", lo=5.0, hi=30.0, bins=200, psi_edges=(5.0, 12.0, 29.0, 30.0))
    cap = 1_000
    if case == "integers inside the grid":
        x = np.clip(x, 5, 29)
    elif case == "second value in a cell later":
        x = np.clip(x, 5, 29)
        x[-10:] = 12.01  # the cell of 12 (width 0.125) gets a second value in the last batch
    elif case == "over the cap":
        x[-2_000:] = np.round(rng.normal(17, 3, 2_000), 4)
    elif case == "continuous":
        x = rng.normal(17, 6, n)
    x[rng.random(n) < 0.01] = np.nan
    spec = Spec(features=(profile,), distinct_cap=cap)
    table = pa.table({"x": x})
    whole = NumericState(spec, "x").update(table)
    parts = [NumericState(spec, "x").update(b) for b in table.to_batches(max_chunksize=chunk)]
    streamed = NumericState(spec, "x")
    for b in table.to_batches(max_chunksize=chunk):
        streamed.update(b)
    merged = parts[0]
    for more in parts[1:]:
        merged = merged.merge(more)
    reversed_merge = parts[-1]
    for more in parts[-2::-1]:
        reversed_merge = more.merge(reversed_merge)
    exact = _exact_table(x)
    for state in (whole, streamed, merged, reversed_merge):
        assert state.to_bytes() == whole.to_bytes()
        if len(exact[0]) > cap:
            assert state.distinct is None
        else:
            assert state.distinct is not None
            assert (state.distinct[0].tolist(), state.distinct[1].tolist()) == exact
        finite = x[~np.isnan(x)]
        cum = np.cumsum(state.counts)
        for k, edge in enumerate(profile.psi_edges):
            cell = int(profile.cells(np.asarray([edge]))[0])
            assert (cum[cell - 1] if cell else 0) + state.splits[k] == int((finite <= edge).sum()), (k, edge)


@pytest.mark.parametrize(
    "case",
    [
        "one value per cell",
        "beyond both ends",  # under- and overflow cells hold many values
        "two values in a cell",  # a coarse grid: the explicit table from the first batch on
        "second value in a cell later",
        "over the cap",
    ],
)
@pytest.mark.parametrize("kind", [np.int8, np.int16, np.int64, np.uint8, "wide int64"])
def test_integer_columns_count_by_value_to_the_same_bytes_as_floats(case: str, kind: Any) -> None:
    rng = np.random.default_rng(11)
    n = 5_000
    x = rng.integers(5, 30, n)
    bins, cap = 200, 1_000
    if case == "beyond both ends":
        x = rng.integers(0, 100, n)
    elif case == "two values in a cell":
        bins = 7
    elif case == "second value in a cell later":
        bins = 25
        x[-10:] = 29  # the grid [5, 30) in 25 cells: 29 shares no cell, 30 (the top) falls in the last
        x[-5:] = 30
    elif case == "over the cap":
        cap = 20
    if kind == "wide int64":  # past the by-value span: the row path, some batches only
        kind = np.int64
        x[-1_000::7] = rng.integers(0, 1 << 20, len(x[-1_000::7]))
    profile = NumericProfile(name="x", lo=5.0, hi=30.0, bins=bins, psi_edges=(5.0, 12.0, 29.0, 30.0))
    spec = Spec(features=(profile,), distinct_cap=cap)
    ints, floats = NumericState(spec, "x"), NumericState(spec, "x")
    for start in range(0, n, 1_300):
        ints.update(pa.table({"x": x[start : start + 1_300].astype(kind)}))
        floats.update(pa.table({"x": x[start : start + 1_300].astype(np.float64)}))
    assert ints.to_bytes() == floats.to_bytes()
    values, counts = np.unique(x, return_counts=True)
    if len(values) <= cap:
        assert ints.distinct is not None
        np.testing.assert_array_equal(ints.distinct[0], values)
        np.testing.assert_array_equal(ints.distinct[1], counts)
    else:
        assert ints.distinct is None
