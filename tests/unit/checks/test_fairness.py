"""Every fairness number against fairlearn on the same input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from sklearn.metrics import accuracy_score, precision_score

from govern.checks import FAIRNESS_METRICS, fairness
from govern.core import GovernError

TOL = 1e-9


def _data(n: int = 20_000, seed: int = 3) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n, p=[0.35, 0.65])
    race = rng.choice(["Black", "White", "Asian"], n, p=[0.2, 0.7, 0.1])
    y = (rng.random(n) < np.where(sex == "Male", 0.3, 0.12)).astype(int)
    pred = (rng.random(n) < 0.25 + 0.3 * y - 0.08 * (race == "Black")).astype(int)
    return y, pred, pd.DataFrame({"sex": sex, "race": race})


REFERENCE = {
    "demographic_parity_difference": fm.demographic_parity_difference,
    "demographic_parity_ratio": fm.demographic_parity_ratio,
    "equalized_odds_difference": fm.equalized_odds_difference,
    "equalized_odds_ratio": fm.equalized_odds_ratio,
    "equal_opportunity_difference": fm.equal_opportunity_difference,
    "equal_opportunity_ratio": fm.equal_opportunity_ratio,
}


@pytest.mark.parametrize("columns", [["sex"], ["race"], ["sex", "race"]])
def test_summary_metrics_equal_fairlearn(columns: list[str]) -> None:
    y, pred, groups = _data()
    result = fairness(y, pred, sensitive=groups[columns], replicates=0)
    for name in FAIRNESS_METRICS:
        expected = REFERENCE[name](y, pred, sensitive_features=groups[columns])
        assert abs(result.metrics[name] - expected) < TOL, name


def test_per_group_metrics_equal_metricframe_for_intersections() -> None:
    y, pred, groups = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = fm.MetricFrame(
            metrics={
                "count": fm.count,
                "selection_rate": fm.selection_rate,
                "true_positive_rate": fm.true_positive_rate,
                "false_positive_rate": fm.false_positive_rate,
                "false_negative_rate": fm.false_negative_rate,
                "precision": lambda a, b: precision_score(a, b, zero_division=0),
                "accuracy": accuracy_score,
            },
            y_true=y,
            y_pred=pred,
            sensitive_features=groups[["sex", "race"]],
        )
    result = fairness(y, pred, sensitive=groups[["sex", "race"]], replicates=0)
    assert len(result.per_group) == 6
    for (sex, race), row in frame.by_group.iterrows():
        ours = result.per_group[f"{sex}, {race}"]
        for name, value in row.items():
            assert abs(getattr(ours, name) - float(value)) < TOL, (sex, race, name)
    assert result.min_group_count == int(frame.by_group["count"].min())


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_per_group_counts_equal_sklearn_and_intervals_equal_scipy_wilson(confidence: float) -> None:
    from scipy.stats import binomtest
    from sklearn.metrics import confusion_matrix

    y, pred, groups = _data(n=3000)
    result = fairness(y, pred, sensitive=groups["race"], replicates=0, confidence=confidence)
    assert result.confidence == confidence and result.groups == sorted(result.per_group)
    for label, g in result.per_group.items():
        rows = (groups["race"] == label).to_numpy()
        tn, fp, fn, tp = confusion_matrix(y[rows], pred[rows], labels=[0, 1]).ravel()
        assert (g.tn, g.fp, g.fn, g.tp, g.count) == (tn, fp, fn, tp, rows.sum())
        behind = {"selection_rate": (tp + fp, rows.sum()), "true_positive_rate": (tp, tp + fn),
                  "false_positive_rate": (fp, fp + tn), "false_negative_rate": (fn, fn + tp),
                  "precision": (tp, tp + fp), "accuracy": (tp + tn, rows.sum())}  # fmt: skip
        assert set(g.intervals) == set(behind)
        for rate, (k, n) in behind.items():
            ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
            assert abs(g.intervals[rate].lower - ci.low) < TOL and abs(g.intervals[rate].upper - ci.high) < TOL, rate
            assert g.intervals[rate].lower <= getattr(g, rate) <= g.intervals[rate].upper


def test_a_rate_without_a_denominator_has_no_interval() -> None:
    y = np.array([0, 0, 0, 1, 1, 0])
    pred = np.array([0, 0, 0, 1, 0, 1])
    result = fairness(y, pred, sensitive=np.array(["a", "a", "a", "b", "b", "b"]), replicates=0, min_group_size=1)
    a = result.per_group["a"]
    assert (a.tp + a.fn, a.true_positive_rate) == (0, 0.0)
    assert "true_positive_rate" not in a.intervals and "precision" not in a.intervals
    assert "selection_rate" in a.intervals


def test_four_fifths_rule_uses_selection_rates() -> None:
    y, pred, groups = _data()
    result = fairness(y, pred, sensitive=groups["sex"], replicates=0)
    rates = [g.selection_rate for g in result.per_group.values()]
    assert result.four_fifths_pass == (min(rates) >= 0.8 * max(rates))
    # a biased predictor fails it
    biased = np.where(groups["sex"] == "Male", 1, pred)
    assert fairness(y, biased, sensitive=groups["sex"], replicates=0).four_fifths_pass is False


def test_bootstrap_interval_is_seeded_and_agrees_with_fairlearn_bootstrap() -> None:
    y, pred, groups = _data(5_000)
    a = fairness(y, pred, sensitive=groups["race"], replicates=1000, seed=7)
    b = fairness(y, pred, sensitive=groups["race"], replicates=1000, seed=7)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.lower <= a.value <= a.upper
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = fm.MetricFrame(
            metrics=fm.selection_rate,
            y_true=y,
            y_pred=pred,
            sensitive_features=groups["race"],
            n_boot=200,  # 500 took ~25 s; over seeds 1-3, 200 stays within 0.008 of govern's
            ci_quantiles=[0.025, 0.975],
            random_state=1,
        )
    lo, hi = frame.difference_ci()
    # Different random streams: the intervals agree to within sampling noise.
    assert abs(a.lower - lo) < 0.015 and abs(a.upper - hi) < 0.015


def test_small_group_is_inconclusive_never_a_silent_pass() -> None:
    y, pred, groups = _data(2_000)
    sex = groups["sex"].to_numpy().copy()
    sex[:10] = "Nonbinary"
    result = fairness(y, pred, sensitive=sex, replicates=100, min_group_size=30)
    assert result.inconclusive is True
    assert result.min_group_count == 10


def test_zero_selection_everywhere_has_ratio_one_and_no_nan() -> None:
    y = np.array([0, 1, 0, 1])
    pred = np.zeros(4, dtype=int)
    result = fairness(y, pred, sensitive=np.array(["a", "a", "b", "b"]), replicates=10, min_group_size=1)
    assert result.metrics["demographic_parity_ratio"] == 1.0
    assert result.metrics["demographic_parity_difference"] == 0.0


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(GovernError) as err:
        fairness([0, 1, 2], [0, 1, 1], sensitive=["a", "b", "a"])
    assert err.value.code == "evidence_label_not_binary"
    with pytest.raises(GovernError) as err:
        fairness([0, 1], [0, 1, 1], sensitive=["a", "b", "a"])
    assert err.value.code == "evidence_length_mismatch"
    with pytest.raises(GovernError) as err:
        fairness([0, 1], [0, 1], sensitive=["a", "b"], metric="nope")  # type: ignore[arg-type]
    assert err.value.code == "check_params_invalid"
