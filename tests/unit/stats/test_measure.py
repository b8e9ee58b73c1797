"""Measurements from states equal fairlearn / scipy / scikit-learn; brackets contain the exact value;
streaming a directory, a glob, hive partitions or CSV gives the bytes of one in-memory batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from govern.core import GovernError
from govern.stats import (
    FairnessState,
    NumericProfile,
    NumericState,
    Partials,
    ScoreState,
    Spec,
    auc_of,
    collect,
    collect_local,
    measure_drift,
    measure_fairness,
    numeric_profile,
    profile_source,
    score_metrics,
)


def _evaluation(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n)
    race = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.2, n) + 0.05 * (sex == "Male"), 0, 1)
    return pd.DataFrame({"sex": sex, "race": race, "y": y, "score": score})


EVAL = _evaluation(20_000)
SPEC = Spec(label="y", score="score", sensitive=("sex", "race"))


def test_fairness_equals_fairlearn() -> None:
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
        equalized_odds_ratio,
        selection_rate,
        true_positive_rate,
    )

    state = FairnessState(SPEC).update(pa.Table.from_pandas(EVAL))
    m = measure_fairness(state, replicates=200)
    y, p = EVAL["y"], (EVAL["score"] >= 0.5).astype(int)
    groups = EVAL[["sex", "race"]]
    assert m.metrics["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y, p, sensitive_features=groups), abs=1e-12
    )
    assert m.metrics["demographic_parity_ratio"] == pytest.approx(
        demographic_parity_ratio(y, p, sensitive_features=groups), abs=1e-12
    )
    assert m.metrics["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y, p, sensitive_features=groups), abs=1e-12
    )
    assert m.metrics["equalized_odds_ratio"] == pytest.approx(
        equalized_odds_ratio(y, p, sensitive_features=groups), abs=1e-12
    )
    frame = MetricFrame(
        metrics={"sel": selection_rate, "tpr": true_positive_rate}, y_true=y, y_pred=p, sensitive_features=groups
    )
    for (sex, race), row in frame.by_group.iterrows():
        g = m.per_group[f"{sex}, {race}"]
        assert g.selection_rate == pytest.approx(row["sel"], abs=1e-12)
        assert g.true_positive_rate == pytest.approx(row["tpr"], abs=1e-12)
    assert m.lower <= m.value <= m.upper


def test_small_groups_are_suppressed_from_the_group_table() -> None:
    frame = EVAL.copy()
    frame.loc[:9, "race"] = "tiny"  # 10 rows (some per sex) in a group under min_group_size
    m = measure_fairness(FairnessState(SPEC).update(pa.Table.from_pandas(frame)), replicates=0, min_group_size=30)
    assert m.inconclusive
    assert not any("tiny" in g for g in m.per_group)
    assert any("tiny" in g for g in m.groups)


def _write_dir(frame: pd.DataFrame, root: Path, parts: int, fmt: str = "parquet") -> Path:
    root.mkdir(parents=True)
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        table = pa.Table.from_pandas(frame.iloc[chunk], preserve_index=False)
        if fmt == "parquet":
            pq.write_table(table, root / f"part-{i:03d}.parquet", row_group_size=1_000)
        else:
            pcsv.write_csv(table, root / f"part-{i:03d}.csv")
    return root


def test_streaming_sources_give_the_bytes_of_one_batch(tmp_path: Path) -> None:
    one = Partials(SPEC).update(pa.Table.from_pandas(EVAL)).to_bytes()
    directory = _write_dir(EVAL, tmp_path / "dir", 7)
    assert collect_local(directory, SPEC, batch_size=999).to_bytes() == one
    assert collect(str(directory / "part-*.parquet"), SPEC).to_bytes() == one
    csv_dir = _write_dir(EVAL, tmp_path / "csv", 3, fmt="csv")
    assert collect_local(csv_dir, SPEC).to_bytes() == one
    hive = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(EVAL, preserve_index=False), hive, partition_cols=["sex"])
    assert collect_local(hive, SPEC).to_bytes() == one


def test_wide_tables_read_in_column_groups_give_the_bytes_of_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a few columns at a time (memory bounded by the group, not the file's width) changes
    no byte: fairness columns with the first group, a sensitive attribute that is also a
    monitored feature, a hive partition column among the features, and the reference profile."""
    from govern.stats import _local

    rng = np.random.default_rng(5)
    frame = EVAL.copy()
    for j in range(9):
        frame[f"f{j}"] = rng.normal(j, 1 + j, len(frame)) if j % 3 else rng.integers(0, 5 + j, len(frame))
    ref, cur = frame.iloc[:10_000], frame.iloc[10_000:]
    whole_profile = profile_source(_write_dir(ref, tmp_path / "ref", 3), exclude=("y", "score"))
    monkeypatch.setattr(_local, "COLUMNS_PER_READ", 2)
    profiles, states = profile_source(_write_dir(ref, tmp_path / "ref2", 3), exclude=("y", "score"))
    assert profiles == whole_profile[0]
    assert {n: s.to_bytes() for n, s in states.items()} == {n: s.to_bytes() for n, s in whole_profile[1].items()}
    spec = Spec(label="y", score="score", sensitive=("sex", "race"), features=profiles)
    assert len(_local.column_groups([p.name for p in profiles])) == 6
    one = Partials(spec).update(pa.Table.from_pandas(cur, preserve_index=False)).to_bytes()
    assert collect_local(_write_dir(cur, tmp_path / "cur", 4), spec, batch_size=777).to_bytes() == one
    hive = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(cur, preserve_index=False), hive, partition_cols=["race"])
    assert collect_local(hive, spec).to_bytes() == one
    only_features = collect_local(hive, spec, only=("features",))
    assert only_features.fairness is None and sorted(only_features.features) == sorted(p.name for p in profiles)


def test_streaming_errors_are_located(tmp_path: Path) -> None:
    directory = _write_dir(EVAL.drop(columns=["race"]), tmp_path / "dir", 2)
    with pytest.raises(GovernError) as err:
        collect_local(directory, SPEC)
    assert err.value.code == "evidence_missing_column" and "race" in err.value.message
    bad = EVAL.copy()
    bad.loc[15_000, "y"] = 3
    directory = _write_dir(bad, tmp_path / "bad", 4)
    with pytest.raises(GovernError) as err:
        collect_local(directory, SPEC)
    assert err.value.code == "evidence_label_not_binary" and "part-003.parquet" in str(err.value)
    with pytest.raises(GovernError) as err:
        collect_local(tmp_path / "missing" / "*.parquet", SPEC)
    assert err.value.code == "evidence_unreadable"
    with pytest.raises(GovernError) as err:
        collect(directory, SPEC, engine_name="hadoop")  # type: ignore[arg-type]
    assert err.value.code == "stats_engine_unknown"


def test_performance_equals_scikit_learn_and_binned_auc_is_bounded() -> None:
    from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, log_loss, roc_auc_score

    y, s = EVAL["y"].to_numpy(), EVAL["score"].to_numpy()
    state = ScoreState(SPEC).update(pa.Table.from_pandas(EVAL))
    got = score_metrics(state)
    assert got["auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert got["accuracy"] == pytest.approx(accuracy_score(y, s >= 0.5), abs=1e-12)
    assert got["f1"] == pytest.approx(f1_score(y, s >= 0.5), abs=1e-12)
    assert got["log_loss"] == pytest.approx(log_loss(y, s), abs=1e-12)
    assert got["brier"] == pytest.approx(brier_score_loss(y, s), abs=1e-12)
    small = Spec(label="y", score="score", sensitive=("sex",), score_distinct_cap=100, score_bins=256)
    binned = ScoreState(small).update(pa.Table.from_pandas(EVAL))
    assert binned.distinct is None
    _, bound = auc_of(binned)
    assert bound.lower <= roc_auc_score(y, s) <= bound.upper
    assert bound.upper - bound.lower < 0.01


def _drift_frames(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "income": rng.lognormal(10 + shift, 0.5, n),
                "age": rng.integers(18, 90, n).astype(float),
                "x": rng.normal(shift, 1, n),
                "city": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
            }
        )

    return frame(0.0), frame(0.08)


def _psi_exact(a: np.ndarray, b: np.ndarray) -> float:
    edges = np.unique(np.quantile(a, np.linspace(0, 1, 11)[1:-1]))
    bins = [np.diff(np.concatenate(([0], np.searchsorted(np.sort(v), edges, side="right"), [len(v)]))) for v in (a, b)]
    p, q = (np.maximum(c / c.sum(), 1e-4) for c in bins)
    return float(np.sum((q - p) * np.log(q / p)))


@pytest.mark.parametrize("n", [3_000, 200_000])
def test_drift_equals_scipy_or_brackets_it(tmp_path: Path, n: int) -> None:
    from scipy.stats import ks_2samp, wasserstein_distance

    ref, cur = _drift_frames(n, seed=n)
    profiles, states = profile_source(_write_dir(ref, tmp_path / "ref", 3))
    spec = Spec(features=profiles)
    reference = Partials.assemble(spec, rows=n, features=states.values())
    current = collect_local(_write_dir(cur, tmp_path / "cur", 4), spec)
    assert current.to_bytes() == Partials(spec).update(pa.Table.from_pandas(cur)).to_bytes()
    m = measure_drift(reference, current, method="ks")
    for name in ("income", "age", "x"):
        a, b = ref[name].to_numpy(), cur[name].to_numpy()
        f = m.per_feature[name]
        exact_d = ks_2samp(a, b).statistic
        exact_w = wasserstein_distance(a, b) / np.std(a)
        assert f.psi == pytest.approx(_psi_exact(a, b), abs=1e-12)
        if "ks_statistic" in f.intervals:
            d, w = f.intervals["ks_statistic"], f.intervals["wasserstein"]
            assert d.lower <= exact_d <= d.upper
            assert w.lower <= exact_w <= w.upper
            assert d.upper - d.lower < 2e-3
        else:
            assert f.ks_statistic == pytest.approx(exact_d, abs=1e-12)
            assert f.wasserstein == pytest.approx(exact_w, rel=1e-12)
            assert f.ks_pvalue == pytest.approx(ks_2samp(a, b).pvalue, rel=1e-9)
    # an integer feature keeps its distinct values: exact at any size
    assert "ks_statistic" not in m.per_feature["age"].intervals
    assert m.per_feature["city"].chi2_statistic is not None


def test_reference_profile_deciles_are_numpys() -> None:
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, size=50_000)
    table = pa.table({"x": x})
    profiles, _ = profile_source(_table_dir(table))
    assert profiles[0].psi_edges == numeric_profile("x", x).psi_edges  # type: ignore[union-attr]


def _table_dir(table: pa.Table) -> Path:
    import tempfile

    root = Path(tempfile.mkdtemp())
    for i, start in enumerate(range(0, table.num_rows, 12_345)):
        pq.write_table(table.slice(start, 12_345), root / f"p{i}.parquet")
    return root


def test_numeric_state_exact_mode_matches_grid_mode_bracket() -> None:
    ref, cur = _drift_frames(5_000, seed=9)
    profile = numeric_profile("x", ref["x"].to_numpy(), bins=64)
    exact = Spec(features=(profile,))
    gridded = Spec(features=(profile,), distinct_cap=10)
    from scipy.stats import ks_2samp

    d_exact = ks_2samp(ref["x"], cur["x"]).statistic
    for spec in (exact, gridded):
        r = NumericState(spec, "x").update(pa.Table.from_pandas(ref))
        c = NumericState(spec, "x").update(pa.Table.from_pandas(cur))
        from govern.stats import ks_bracket

        lo, hi = ks_bracket(r, c)
        assert lo <= d_exact <= hi


def test_a_gridded_pvalue_drifts_a_feature_only_when_its_whole_interval_is_below_the_cut() -> None:
    """At 10^5 rows a coarse grid's KS bracket spans p-values from ~0 to ~1: its midpoint's p is
    no evidence, so such a feature is not listed as drifted; a real shift still is."""
    rng = np.random.default_rng(8)
    n = 100_000
    same, shifted = rng.normal(size=n), rng.normal(0.3, 1, n)
    ref = pa.table({"same": rng.normal(size=n), "shifted": rng.normal(size=n)})
    cur = pa.table({"same": same, "shifted": shifted})
    profiles = tuple(NumericProfile(name=c, lo=-4.0, hi=4.0, bins=12) for c in ("same", "shifted"))
    spec = Spec(features=profiles, distinct_cap=100)
    m = measure_drift(Partials(spec).update(ref), Partials(spec).update(cur), method="ks")
    p_same = m.per_feature["same"].intervals["ks_pvalue"]
    assert p_same.lower < 0.01 < p_same.upper  # the bracket straddles the cut
    assert m.drifted == ["shifted"]
    assert m.per_feature["shifted"].intervals["ks_pvalue"].upper < 0.01
