"""The partial states: merge laws, canonical bytes, from_counts equals update, spec guards."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.core import GovernError
from govern.stats import (
    CategoricalProfile,
    CategoryState,
    FairnessState,
    NumericState,
    Partials,
    ScoreState,
    Spec,
    numeric_profile,
)


def _table(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.01] = np.nan
    return pa.table(
        {
            "sex": rng.choice(["F", "M"], n),
            "race": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
            "y": rng.integers(0, 2, n),
            "s": np.round(rng.random(n), 3),
            "x": x,
            "c": rng.choice(["u", "v", "w"], n),
        }
    )


TABLE = _table(5_000)
SPEC = Spec(
    label="y",
    score="s",
    sensitive=("sex", "race"),
    features=(numeric_profile("x", TABLE["x"].to_numpy(), bins=256), CategoricalProfile(name="c")),
    distinct_cap=2_000,
)


def _split(table: pa.Table, cuts: list[int]) -> list[pa.Table]:
    bounds = [0, *sorted({min(max(c, 0), table.num_rows) for c in cuts}), table.num_rows]
    return [table.slice(a, b - a) for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 5_000), max_size=6), order=st.randoms(use_true_random=False))
def test_any_split_and_order_gives_the_same_bytes(cuts: list[int], order: object) -> None:
    whole = Partials(SPEC).update(TABLE).to_bytes()
    pieces = [Partials(SPEC).update(t) for t in _split(TABLE, cuts)]
    order.shuffle(pieces)  # type: ignore[attr-defined]
    merged = pieces[0]
    for piece in pieces[1:]:
        merged = merged.merge(piece)
    assert merged.to_bytes() == whole
    streamed = Partials(SPEC)
    for t in _split(TABLE, cuts):
        streamed.update(t)
    assert streamed.to_bytes() == whole


@settings(max_examples=15, deadline=None)
@given(a=st.integers(0, 4_999), b=st.integers(0, 4_999))
def test_merge_is_associative_and_commutative(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    x, y, z = (Partials(SPEC).update(t) for t in (TABLE.slice(0, lo), TABLE.slice(lo, hi - lo), TABLE.slice(hi)))
    assert x.merge(y).merge(z).to_bytes() == x.merge(y.merge(z)).to_bytes()
    assert x.merge(y).to_bytes() == y.merge(x).to_bytes()


def test_bytes_round_trip_and_carry_the_spec() -> None:
    p = Partials(SPEC).update(TABLE)
    data = p.to_bytes()
    back = Partials.from_bytes(data)
    assert back.to_bytes() == data
    assert back.spec.digest == SPEC.digest
    assert data.startswith(b"GOVSTATS")
    assert back.fairness is not None and back.fairness.rows == 5_000
    assert back.scores is not None and back.scores.distinct is not None  # 1001 distinct scores: exact
    x = back.features["x"]
    assert isinstance(x, NumericState) and x.nulls == int(np.isnan(TABLE["x"].to_numpy()).sum())
    assert x.distinct is None  # ~5000 distinct values over a cap of 2000: grid only


def test_other_spec_refuses_to_merge() -> None:
    other = Spec(label="y", score="s", sensitive=("sex",))
    with pytest.raises(GovernError) as err:
        FairnessState(SPEC).merge(FairnessState(other))
    assert err.value.code == "stats_merge_mismatch"
    with pytest.raises(GovernError) as err:
        Partials.from_bytes(Partials(SPEC).update(TABLE).to_bytes(), other)
    assert err.value.code == "stats_merge_mismatch"


def test_truncated_or_foreign_bytes_are_refused() -> None:
    data = Partials(SPEC).update(TABLE).to_bytes()
    for bad in (data[:-3], b"PK\x03\x04" + data[4:], data + b"x"):
        with pytest.raises(GovernError) as err:
            Partials.from_bytes(bad)
        assert err.value.code == "stats_bytes_invalid"


def test_groups_merge_by_value_not_by_code() -> None:
    # Batch 1 sees only "M" (code 0), batch 2 sees "F" and "M" ("F" is code 0 there).
    one = pa.table({"sex": ["M", "M"], "race": ["a", "a"], "y": [1, 0], "s": [0.9, 0.1]})
    two = pa.table({"sex": ["F", "M"], "race": ["a", "a"], "y": [1, 1], "s": [0.2, 0.8]})
    spec = Spec(label="y", score="s", sensitive=("sex", "race"))
    state = FairnessState(spec).update(one).update(two)
    groups, cube = state.table()
    assert groups == [("F", "a"), ("M", "a")]
    assert cube.tolist() == [[0, 0, 1, 0], [1, 0, 0, 2]]


def test_from_counts_equals_update() -> None:
    n = TABLE.num_rows
    frame = TABLE.to_pandas()
    y = frame["y"].to_numpy()
    p = (frame["s"].to_numpy() >= 0.5).astype(int)
    keys, counts = [], []
    for (sex, race, yy, pp), count in frame.assign(p=p).groupby(["sex", "race", "y", "p"]).size().items():
        keys.append((sex, race, yy, pp))
        counts.append(int(count))
    assert FairnessState.from_counts(SPEC, keys, counts).to_bytes() == FairnessState(SPEC).update(TABLE).to_bytes()

    x = frame["x"].to_numpy()
    profile = SPEC.feature("x")
    ok = ~np.isnan(x)
    cells = profile.cells(x[ok])  # type: ignore[union-attr]
    edges = np.asarray(profile.psi_edges)  # type: ignore[union-attr]
    edge_cells = profile.cells(edges)  # type: ignore[union-attr]
    splits = [int(((cells == c) & (x[ok] <= e)).sum()) for e, c in zip(edges, edge_cells, strict=True)]
    uniq, cnt = np.unique(cells, return_counts=True)
    built = NumericState.from_counts(
        SPEC,
        "x",
        cells=zip(uniq.tolist(), cnt.tolist(), strict=True),
        nulls=int((~ok).sum()),
        low=float(x[ok].min()),
        high=float(x[ok].max()),
        splits=splits,
        distinct=None,
    )
    assert built.to_bytes() == NumericState(SPEC, "x").update(TABLE).to_bytes()

    values = frame["c"].value_counts()
    built_c = CategoryState.from_counts(SPEC, "c", values.index.tolist(), values.tolist())
    assert built_c.to_bytes() == CategoryState(SPEC, "c").update(TABLE).to_bytes()

    s = frame["s"].to_numpy()
    binned = pd_groups(np.minimum((s * SPEC.score_bins).astype(int), SPEC.score_bins - 1), y)
    cal = pd_groups(np.searchsorted(np.linspace(0, 1, 11)[1:-1], s), y)
    distinct = [(v, yy, c) for (v, yy), c in frame.groupby(["s", "y"]).size().items()]
    conf = np.bincount(y * 2 + p, minlength=4).tolist()
    built_s = ScoreState.from_counts(SPEC, confusion=conf, binned=binned, calibration=cal, distinct=distinct)
    assert built_s.to_bytes() == ScoreState(SPEC).update(TABLE).to_bytes()
    assert n == sum(conf)


def pd_groups(a: np.ndarray, y: np.ndarray) -> list[tuple[int, int, int]]:
    keys, counts = np.unique(np.stack([a, y], axis=1), axis=0, return_counts=True)
    return [(int(k[0]), int(k[1]), int(c)) for k, c in zip(keys, counts, strict=True)]


def test_grid_cells_are_ordered_and_psi_splits_are_exact() -> None:
    x = TABLE["x"].to_numpy()
    x = x[~np.isnan(x)]
    profile = SPEC.feature("x")
    cells = profile.cells(np.sort(x))  # type: ignore[union-attr]
    assert (np.diff(cells) >= 0).all()
    state = NumericState(SPEC, "x").update(TABLE)
    edges = np.asarray(profile.psi_edges)  # type: ignore[union-attr]
    cum = np.cumsum(state.counts)
    for k, (edge, cell) in enumerate(zip(edges, profile.cells(edges), strict=True)):  # type: ignore[union-attr]
        below = (cum[cell - 1] if cell > 0 else 0) + state.splits[k]
        assert below == int((x <= edge).sum())


def test_bad_inputs_are_located_errors() -> None:
    spec = Spec(label="y", score="s", sensitive=("sex",))
    with pytest.raises(GovernError) as err:
        FairnessState(spec).update(pa.table({"y": [0, 2], "s": [0.1, 0.2], "sex": ["a", "b"]}), where="eval.parquet")
    assert err.value.code == "evidence_label_not_binary" and "eval.parquet" in str(err.value)
    with pytest.raises(GovernError) as err:
        FairnessState(spec).update(pa.table({"y": [0, 1], "s": [0.1, 0.2], "sex": ["a", None]}))
    assert err.value.code == "evidence_missing_values"
    with pytest.raises(GovernError) as err:
        ScoreState(spec).update(pa.table({"y": [0, 1], "s": [0.1, 1.5], "sex": ["a", "b"]}))
    assert err.value.code == "evidence_wrong_type"
    with pytest.raises(GovernError) as err:
        FairnessState(spec).update(pa.table({"y": [0, 1], "s": [0.1, 0.2]}))
    assert err.value.code == "evidence_missing_column"
