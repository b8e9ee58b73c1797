"""Bootstrap intervals of performance from count cells agree with a row-level Poisson bootstrap."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score

from govern.core import GovernError
from govern.stats import ScoreState, Spec, measure_performance, performance_interval, score_metrics
from govern.stats._measure import PERFORMANCE_CI_CELLS

RNG = np.random.default_rng(11)
N = 4_000
Y = (RNG.random(N) < 0.35).astype(np.int64)
S = np.round(np.clip(RNG.normal(0.35 + 0.25 * Y, 0.2), 0, 1), 3)  # ties: a distinct table of ~1,000 rows
STATE = ScoreState(Spec(label="y", score="s")).update(pa.table({"y": Y, "s": S}))


def _row_bootstrap(metric: str, replicates: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(replicates):
        w = rng.poisson(1.0, N)
        if metric == "auc":
            out.append(roc_auc_score(Y, S, sample_weight=w))
        elif metric == "accuracy":
            out.append(accuracy_score(Y, (S >= 0.5).astype(int), sample_weight=w))
        else:
            out.append(brier_score_loss(Y, S, sample_weight=w))
    lo, hi = np.quantile(out, [0.025, 0.975])
    return float(lo), float(hi)


@pytest.mark.parametrize("metric", ["auc", "accuracy", "brier"])
def test_cell_bootstrap_matches_a_row_bootstrap(metric: str) -> None:
    ours = performance_interval(STATE, metric, replicates=1_000, seed=1)
    rows = _row_bootstrap(metric, 1_000, seed=2)
    point = score_metrics(STATE)[metric]
    assert ours.lower < point < ours.upper
    width = rows[1] - rows[0]
    assert abs(ours.lower - rows[0]) < 0.15 * width and abs(ours.upper - rows[1]) < 0.15 * width
    assert performance_interval(STATE, metric, replicates=1_000, seed=1) == ours  # seeded: reproducible


def test_binned_table_when_the_distinct_table_is_too_large() -> None:
    exact = performance_interval(STATE, "auc", replicates=300, seed=3)
    binned = performance_interval(STATE, "auc", replicates=300, seed=3, max_cells=10)
    assert abs(binned.lower - exact.lower) < 0.01 and abs(binned.upper - exact.upper) < 0.01


# Continuous scores, with exact 0s and 1s (clipped): a distinct table of ~20,000 rows, past the cell cap.
WIDE_N = 20_000
WIDE_Y = (RNG.random(WIDE_N) < 0.4).astype(np.int64)
WIDE_S = np.clip(RNG.normal(0.4 + 0.2 * WIDE_Y, 0.25), 0, 1)
WIDE = ScoreState(Spec(label="y", score="s")).update(pa.table({"y": WIDE_Y, "s": WIDE_S}))


@pytest.mark.parametrize("metric", ["auc", "log_loss", "brier", "calibration_error"])
def test_a_table_past_the_cell_cap_is_resampled_in_runs(metric: str) -> None:
    assert WIDE.distinct is not None and len(WIDE.distinct[0]) > 4 * PERFORMANCE_CI_CELLS
    point = score_metrics(WIDE)[metric]
    runs = performance_interval(WIDE, metric, replicates=400, seed=6)
    rows = performance_interval(WIDE, metric, replicates=400, seed=7, max_cells=len(WIDE.distinct[0]))
    # The runs keep every metric at the observed counts (the interval is around the table's own
    # value: it was not when a large table fell back to the grid's midpoints, whose log loss of a
    # score of exactly 0 is -log(2**-17), not -log(eps)), and the spread of resampling each row.
    assert runs.lower < point < runs.upper
    width = rows.upper - rows.lower
    assert abs(runs.lower - rows.lower) < 0.15 * width and abs(runs.upper - rows.upper) < 0.15 * width


def test_runs_at_the_observed_counts_give_the_table_metrics() -> None:
    from govern.stats._measure import _Cells

    assert WIDE.distinct is not None
    s, table = WIDE.distinct
    for cap in (7, 100, PERFORMANCE_CI_CELLS, len(s)):
        cells = _Cells.of(s, table, cap)
        assert len(cells.counts) <= max(cap, 1) + 10
        neg, pos = (cells.counts[:, k].astype(np.float64)[None, :] for k in (0, 1))
        for metric in ("auc", "log_loss", "brier", "calibration_error"):
            assert cells.metric(metric, neg, pos)[0] == pytest.approx(score_metrics(WIDE)[metric], rel=1e-10)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(GovernError) as err:
        performance_interval(STATE, "precision")
    assert err.value.code == "check_params_invalid"
    with pytest.raises(GovernError):
        performance_interval(STATE, "auc", confidence=1.5)


CHAMPION_Y = (RNG.random(N) < 0.35).astype(np.int64)
CHAMPION_S = np.round(np.clip(RNG.normal(0.38 + 0.18 * CHAMPION_Y, 0.2), 0, 1), 3)
CHAMPION = ScoreState(Spec(label="y", score="s")).update(pa.table({"y": CHAMPION_Y, "s": CHAMPION_S}))


def test_measurement_carries_the_interval_of_its_metric() -> None:
    m = measure_performance(STATE, metric="auc", replicates=1_000, seed=1)
    ours = performance_interval(STATE, "auc", replicates=1_000, seed=1)
    assert (m.lower, m.upper) == (ours.lower, ours.upper) and not m.has_champion
    assert m.value == pytest.approx(roc_auc_score(Y, S), abs=1e-12)
    assert measure_performance(STATE, replicates=0).lower is None


def test_champion_from_partials_is_an_unpaired_cell_bootstrap() -> None:
    m = measure_performance(STATE, metric="auc", replicates=1_000, seed=4, champion=CHAMPION)
    exact = roc_auc_score(Y, S) - roc_auc_score(CHAMPION_Y, CHAMPION_S)
    assert m.has_champion and m.paired is False
    assert m.delta == pytest.approx(exact, abs=1e-12)
    assert m.champion_value == pytest.approx(roc_auc_score(CHAMPION_Y, CHAMPION_S), abs=1e-12)
    # the reference: resample each evaluation's rows independently (Poisson weights), as sklearn scores them
    rng = np.random.default_rng(5)
    deltas = [
        roc_auc_score(Y, S, sample_weight=rng.poisson(1.0, N))
        - roc_auc_score(CHAMPION_Y, CHAMPION_S, sample_weight=rng.poisson(1.0, N))
        for _ in range(1_000)
    ]
    lo, hi = np.quantile(deltas, [0.025, 0.975])
    width = hi - lo
    assert m.delta_lower < m.delta < m.delta_upper
    assert abs(m.delta_lower - lo) < 0.15 * width and abs(m.delta_upper - hi) < 0.15 * width
