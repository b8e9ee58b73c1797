"""Drift statistics against scipy on the same input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

from govern.checks import decide, drift
from govern.checks._drift import binned_counts, quantile_edges
from govern.core import GovernError
from govern.stats._distances import psi

TOL = 1e-9


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "shift", "rounding"),
    [(400, 700, 0.3, 2), (5_000, 5_000, 0.05, 1), (30_000, 45_000, 0.02, 1), (60_000, 20_000, 0.0, 3)],
)
def test_numeric_statistics_equal_scipy(n_ref: int, n_cur: int, shift: float, rounding: int) -> None:
    rng = np.random.default_rng(n_ref)
    a = rng.normal(size=n_ref).round(rounding)  # rounding makes ties, which scipy counts exactly
    b = rng.normal(shift, 1.1, size=n_cur).round(rounding)
    result = drift(pd.DataFrame({"x": a}), pd.DataFrame({"x": b}))
    stats = result.per_feature["x"]
    ks = ks_2samp(a, b)
    assert abs(stats.ks_statistic - ks.statistic) < TOL
    assert abs(stats.ks_pvalue - ks.pvalue) < TOL
    assert abs(stats.wasserstein - wasserstein_distance(a, b) / np.std(a)) < TOL
    edges = np.unique(np.quantile(a, np.linspace(0, 1, 11)[1:-1]))
    ref_counts = np.histogram(a, np.concatenate(([-np.inf], edges, [np.inf])))[0]
    cur_counts = np.histogram(b, np.concatenate(([-np.inf], edges, [np.inf])))[0]
    # numpy's histogram bins are left-closed; ours are right-closed. Same counts only without
    # ties on the edges, so compare through our own (independently checked) counts below.
    ours_ref = binned_counts(np.sort(a), edges)
    ours_cur = binned_counts(np.sort(b), edges)
    assert ours_ref.sum() == n_ref and ours_cur.sum() == n_cur
    assert np.array_equal(
        ours_ref,
        np.array(
            [np.sum((a > lo) & (a <= hi)) for lo, hi in zip(np.r_[-np.inf, edges], np.r_[edges, np.inf], strict=True)]
        ),
    )
    assert abs(stats.jensen_shannon - jensenshannon(ours_ref, ours_cur, base=2)) < TOL
    p = np.maximum(ours_ref / n_ref, 1e-4)
    q = np.maximum(ours_cur / n_cur, 1e-4)
    assert abs(stats.psi - float(np.sum((q - p) * np.log(q / p)))) < TOL
    del ref_counts, cur_counts


def test_large_sample_ks_pvalue_uses_scipy_asymptotic_within_tolerance() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=200_000), rng.normal(0.004, size=150_000)
    stats = drift({"x": a}, {"x": b}).per_feature["x"]
    ks = ks_2samp(a, b)
    assert abs(stats.ks_statistic - ks.statistic) < TOL
    assert abs(stats.ks_pvalue - ks.pvalue) < TOL


def test_categorical_statistics_equal_scipy_and_count_unseen() -> None:
    rng = np.random.default_rng(1)
    a = rng.choice(["a", "b", "c"], 3_000, p=[0.5, 0.3, 0.2])
    b = rng.choice(["a", "b", "c", "d"], 2_000, p=[0.4, 0.3, 0.2, 0.1])
    stats = drift(pd.DataFrame({"c": a}), pd.DataFrame({"c": b})).per_feature["c"]
    table = np.array([[np.sum(a == k) for k in "abcd"], [np.sum(b == k) for k in "abcd"]])
    chi = chi2_contingency(table, correction=False)
    assert abs(stats.chi2_statistic - chi.statistic) < TOL
    assert abs(stats.chi2_pvalue - chi.pvalue) < TOL
    assert abs(stats.jensen_shannon - jensenshannon(table[0], table[1], base=2)) < TOL
    assert stats.unseen_share == pytest.approx(np.mean(b == "d"), abs=TOL)
    assert stats.psi == pytest.approx(psi(table[0], table[1]), abs=TOL)


def test_psi_bins_are_reference_deciles_right_closed() -> None:
    reference = np.sort(np.repeat(np.arange(10.0), 10))  # ties on every edge
    edges = quantile_edges(reference)
    assert np.array_equal(binned_counts(reference, edges), np.full(10, 10))
    # empty bins are floored at 1e-4, so PSI stays finite when the current sample fills one bin
    current = np.full(50, 3.0)
    assert np.isfinite(psi(binned_counts(reference, edges), binned_counts(current, edges)))


def test_decision_matrix_and_measurement_keys() -> None:
    assert decide(0.2) == "monitor"
    assert decide(0.05) == "review" and decide(0.01) == "review"
    assert decide(0.0099) == "retrain"
    assert decide(0.03, review_p=0.02, retrain_p=0.001) == "monitor"
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(size=3000), "s": rng.random(3000)})
    cur = pd.DataFrame({"x": rng.normal(0.5, size=3000), "s": rng.random(3000) ** 2})
    m = drift(ref, cur, score="s", threshold=0.1)
    assert list(m.per_feature) == ["x"] and m.drifted == ["x"] and m.decision == "retrain"
    assert m.prediction_psi is not None and m.prediction_psi > 0.05
    x = m.per_feature["x"]
    assert x.kind == "numeric" and x.drifted and x.statistic == x.psi and x.pvalue == x.ks_pvalue
    assert (x.n_reference, x.n_current, m.threshold) == (3000, 3000, 0.1)
    assert x.chi2_statistic is None and "chi2_statistic" not in x.to_json() and "chi2_statistic" not in x.to_cel()


def test_without_a_score_column_prediction_psi_is_absent_not_zero() -> None:
    rng = np.random.default_rng(3)
    m = drift(pd.DataFrame({"x": rng.normal(size=200)}), pd.DataFrame({"x": rng.normal(size=200)}))
    assert m.prediction_psi is None and "prediction_psi" not in m.to_json() and not m.has_score
    assert m.to_cel()["prediction_psi"] == 0.0  # what rules saw in earlier releases; has_score tells them apart


def test_missing_feature_in_current_is_a_located_error() -> None:
    with pytest.raises(GovernError) as err:
        drift(pd.DataFrame({"x": [1.0, 2.0]}), pd.DataFrame({"y": [1.0, 2.0]}))
    assert err.value.code == "evidence_missing_column"


@pytest.mark.parametrize("case", ["shifted normal", "heavy tail past the grid", "nan and unequal sizes"])
def test_in_memory_samples_past_the_distinct_cap_are_exact(case: str) -> None:
    """Past the distinct-value cap the states are gridded; with the samples in memory the KS D
    (to the bit), its p-value and W1 are still scipy's: only the cells that matter are opened."""
    rng = np.random.default_rng(21)
    a, b = rng.normal(size=120_000), rng.normal(0.012, 1.0, size=120_000)  # p in kstwo's slow branch
    if case == "heavy tail past the grid":
        a, b = rng.lognormal(0, 1.5, 100_000), rng.lognormal(0.05, 1.6, 130_000)
    elif case == "nan and unequal sizes":
        a, b = rng.standard_t(3, 150_000), rng.standard_t(3, 80_000) + 0.01
        b[::97] = np.nan
    stats = drift({"x": a}, {"x": b}).per_feature["x"]
    b = b[~np.isnan(b)]
    ks = ks_2samp(a, b)
    assert stats.intervals == {}
    assert stats.ks_statistic == ks.statistic
    assert stats.ks_pvalue == pytest.approx(ks.pvalue, rel=1e-12, abs=1e-300)
    assert stats.wasserstein == pytest.approx(wasserstein_distance(a, b) / np.std(a), rel=1e-12)
    if case == "shifted normal":
        assert 1e-10 < ks.pvalue < 0.025  # the branch summed vectorized


def test_infinite_values_keep_the_gridded_bounds() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=90_000), rng.normal(0.01, 1, 90_000)
    b[:3] = np.inf
    stats = drift({"x": a}, {"x": b}).per_feature["x"]
    d = stats.intervals["ks_statistic"]
    assert d.lower <= ks_2samp(a, b).statistic <= d.upper
