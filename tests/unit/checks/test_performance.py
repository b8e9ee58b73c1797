"""Performance metrics against scikit-learn on the same input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from govern.checks import performance
from govern.core import GovernError

TOL = 1e-9


def _data(n: int = 5_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1).round(2)  # ties, as real scores have
    champion = np.clip(0.15 * y + 0.85 * rng.random(n), 0, 1)
    return y, score, champion


def test_metrics_equal_sklearn() -> None:
    y, score, _ = _data()
    m = performance(y, score, replicates=0).metrics
    pred = score >= 0.5
    assert abs(m["auc"] - skm.roc_auc_score(y, score)) < TOL
    assert abs(m["accuracy"] - skm.accuracy_score(y, pred)) < TOL
    assert abs(m["f1"] - skm.f1_score(y, pred)) < TOL
    assert abs(m["log_loss"] - skm.log_loss(y, score)) < TOL
    assert abs(m["brier"] - skm.brier_score_loss(y, score)) < TOL
    prob_true, prob_pred = calibration_curve(y, score, n_bins=10)
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], score), minlength=10)
    ece = np.sum(counts[counts > 0] / len(y) * np.abs(prob_true - prob_pred))
    assert abs(m["calibration_error"] - ece) < TOL


def test_champion_delta_and_paired_bootstrap() -> None:
    y, score, champion = _data()
    result = performance(y, score, champion_score=champion, replicates=300, seed=1)
    expected = skm.roc_auc_score(y, score) - skm.roc_auc_score(y, champion)
    assert result.has_champion and result.paired
    assert abs(result.delta - expected) < TOL
    assert result.delta_lower < result.delta < result.delta_upper
    # bootstrap by explicit row resampling with sklearn on a few replicates lands in the CI
    rng = np.random.default_rng(5)
    idx = rng.integers(0, len(y), len(y))
    one = skm.roc_auc_score(y[idx], score[idx]) - skm.roc_auc_score(y[idx], champion[idx])
    assert result.delta_lower - 0.02 < one < result.delta_upper + 0.02


def test_weighted_auc_equals_sklearn_on_a_resample() -> None:
    from govern.checks._performance import _auc, _Prepared

    y, score, _ = _data(800)
    counts = np.bincount(np.random.default_rng(3).integers(0, 800, 800), minlength=800)
    prep = _Prepared(y, score, score >= 0.5)
    ours = _auc(prep, counts[None, :].astype(float))[0]
    assert abs(ours - skm.roc_auc_score(y, score, sample_weight=counts)) < TOL


def test_without_champion_delta_is_zero() -> None:
    y, score, _ = _data(500)
    r = performance(y, score, replicates=0)
    assert (r.delta, r.delta_lower, r.delta_upper, r.has_champion) == (0.0, 0.0, 0.0, False)


@pytest.mark.parametrize(
    ("y", "score", "code"),
    [
        ([0, 0, 0], [0.1, 0.2, 0.3], "evidence_label_single_class"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "evidence_label_not_binary"),
        ([0, 1, 1], [0.1, 1.2, 0.3], "evidence_wrong_type"),
        ([0, 1], [0.1, 0.2, 0.3], "evidence_length_mismatch"),
    ],
)
def test_bad_inputs(y: list[int], score: list[float], code: str) -> None:
    with pytest.raises(GovernError) as err:
        performance(y, score)
    assert err.value.code == code
