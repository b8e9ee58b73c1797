"""Classification performance from labels and scores, and challenger vs champion.

Every metric is written as a function of per-row weights, so the point estimate (weights 1)
and a bootstrap replicate (multinomial weights: how often each row was drawn) share one code
path and the bootstrap runs as matrix products over a chunk of replicates. Definitions follow
scikit-learn: ``roc_auc_score`` (ties count one half), ``accuracy_score`` and ``f1_score`` of
``score >= threshold`` (or of the prediction column), ``log_loss`` (probabilities clipped to
[eps, 1 - eps], eps the float64 machine epsilon), ``brier_score_loss``. ``calibration_error``
is the expected calibration error over 10 equal-width bins (as ``calibration_curve``'s
``uniform`` bins, right-closed): sum over bins of (rows in bin / n) * |mean label - mean score|.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from govern.core import GovernError
from govern.measurements import PerformanceMeasurement

from ._codes import (
    CHECK_PARAMS_INVALID,
    EVIDENCE_EMPTY,
    EVIDENCE_LABEL_NOT_BINARY,
    EVIDENCE_LABEL_SINGLE_CLASS,
    EVIDENCE_LENGTH_MISMATCH,
    EVIDENCE_WRONG_TYPE,
)
from ._vocab import PERFORMANCE_METRICS, PerformanceMetric

CALIBRATION_BINS = 10
Progress = Callable[[int, int], None]


class _Prepared:
    """Label, score, hard prediction and the sort structure AUC needs, computed once."""

    def __init__(self, y: np.ndarray, score: np.ndarray, prediction: np.ndarray) -> None:
        self.y = y.astype(np.float64)
        self.score = score.astype(np.float64)
        self.pred = prediction.astype(np.float64)
        uniq, self.rank = np.unique(self.score, return_inverse=True)
        self.n_levels = len(uniq)
        eps = np.finfo(np.float64).eps
        p = np.clip(self.score, eps, 1 - eps)
        self.logloss_row = -(self.y * np.log(p) + (1 - self.y) * np.log(1 - p))
        self.brier_row = (self.score - self.y) ** 2
        self.correct_row = (self.pred == self.y).astype(np.float64)
        self.tp_row = self.pred * self.y
        # Equal-width bins with the right edge included in the last bin (calibration_curve).
        self.bin = np.searchsorted(np.linspace(0, 1, CALIBRATION_BINS + 1)[1:-1], self.score)


def _auc(prep: _Prepared, w: np.ndarray) -> np.ndarray:
    """Weighted ROC AUC for weight rows ``w`` (B, n)."""
    b = w.shape[0]
    offsets = (np.arange(b) * prep.n_levels)[:, None]
    idx = (offsets + prep.rank[None, :]).ravel()
    size = b * prep.n_levels
    pos = np.bincount(idx, weights=(w * prep.y).ravel(), minlength=size).reshape(b, -1)
    neg = np.bincount(idx, weights=(w * (1 - prep.y)).ravel(), minlength=size).reshape(b, -1)
    below = np.cumsum(neg, axis=1) - neg
    total_pos = pos.sum(axis=1)
    total_neg = neg.sum(axis=1)
    auc = np.full(b, np.nan)
    ok = (total_pos > 0) & (total_neg > 0)
    auc[ok] = (pos * (below + 0.5 * neg)).sum(axis=1)[ok] / (total_pos * total_neg)[ok]
    return auc


def _metric(prep: _Prepared, w: np.ndarray, metric: str) -> np.ndarray:
    """``metric`` under each weight row of ``w`` (B, n)."""
    total = w.sum(axis=1)
    if metric == "auc":
        return _auc(prep, w)
    if metric == "accuracy":
        return np.asarray((w @ prep.correct_row) / total)
    if metric == "log_loss":
        return np.asarray((w @ prep.logloss_row) / total)
    if metric == "brier":
        return np.asarray((w @ prep.brier_row) / total)
    if metric == "f1":
        tp = w @ prep.tp_row
        denominator = w @ prep.pred + w @ prep.y
        out = np.zeros_like(tp)
        np.divide(2 * tp, denominator, out=out, where=denominator > 0)
        return out
    if metric == "calibration_error":
        b = w.shape[0]
        offsets = (np.arange(b) * CALIBRATION_BINS)[:, None]
        idx = (offsets + prep.bin[None, :]).ravel()
        size = b * CALIBRATION_BINS

        def per_bin(values: np.ndarray) -> np.ndarray:
            return np.bincount(idx, weights=(w * values).ravel(), minlength=size).reshape(b, -1)

        gap = np.abs(per_bin(prep.y) - per_bin(prep.score))
        return np.asarray(gap.sum(axis=1) / total)
    raise GovernError(CHECK_PARAMS_INVALID, f"unknown performance metric {metric!r}")


def _resample_weights(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """How often each of ``n`` rows is drawn in each of ``k`` bootstrap resamples (k, n)."""
    draws = rng.integers(0, n, size=(k, n)) + (np.arange(k) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=k * n).reshape(k, n).astype(np.float64)


def _check_inputs(y: np.ndarray, score: np.ndarray) -> None:
    if len(y) != len(score):
        raise GovernError(EVIDENCE_LENGTH_MISMATCH, f"label and score differ in length ({len(y)}, {len(score)})")
    if len(y) == 0:
        raise GovernError(EVIDENCE_EMPTY, "no rows to evaluate")
    if not np.isin(y, (0, 1)).all():
        raise GovernError(EVIDENCE_LABEL_NOT_BINARY, "the label must be 0/1")
    if y.min() == y.max():
        raise GovernError(EVIDENCE_LABEL_SINGLE_CLASS, "the label has only one class; AUC is undefined")
    if not np.isfinite(score).all() or score.min() < 0 or score.max() > 1:
        raise GovernError(EVIDENCE_WRONG_TYPE, "scores must be probabilities in [0, 1]")


def performance(
    y_true: Any,
    score: Any,
    *,
    prediction: Any = None,
    champion_score: Any = None,
    champion_y_true: Any = None,
    metric: PerformanceMetric = "auc",
    threshold: float = 0.5,
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    progress: Progress | None = None,
) -> PerformanceMeasurement:
    """Performance of a binary classifier, and its difference to the champion with a bootstrap CI.

    Parameters
    ----------
    y_true, score:
        0/1 labels and positive-class probabilities.
    prediction:
        Hard predictions for accuracy/F1 (default ``score >= threshold``).
    champion_score, champion_y_true:
        The champion's scores. On the same rows (``champion_y_true`` omitted or equal) the
        bootstrap is paired (one resample drives both); otherwise both are resampled
        independently.
    metric:
        The headline ``value`` and the metric of ``delta`` (challenger minus champion).

    Returns the :class:`~govern.measurements.PerformanceMeasurement` (``delta`` and its interval
    are 0 without a champion; ``champion_value`` and ``paired`` are then absent).

    Raises ``evidence_label_not_binary``, ``evidence_label_single_class``,
    ``evidence_wrong_type``, ``evidence_length_mismatch``, ``check_params_invalid``.
    """
    if metric not in PERFORMANCE_METRICS:
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown performance metric {metric!r}")
    y = np.asarray(y_true, dtype=np.float64)
    s = np.asarray(score, dtype=np.float64)
    _check_inputs(y, s)
    pred = (s >= threshold) if prediction is None else np.asarray(prediction, dtype=np.float64)
    prep = _Prepared(y, s, np.asarray(pred))
    ones = np.ones((1, len(y)))
    metrics = {name: float(_metric(prep, ones, name)[0]) for name in PERFORMANCE_METRICS}

    def result(
        delta: float, lower: float, upper: float, champion_value: float | None = None, paired: bool | None = None
    ) -> PerformanceMeasurement:
        return PerformanceMeasurement(
            value=metrics[metric],
            inconclusive=False,
            metric=metric,
            metrics=metrics,
            n=len(y),
            has_champion=champion_score is not None,
            delta=delta,
            delta_lower=lower,
            delta_upper=upper,
            confidence=confidence,
            replicates=replicates,
            champion_value=champion_value,
            paired=paired,
        )

    if champion_score is None:
        return result(0.0, 0.0, 0.0)
    cs = np.asarray(champion_score, dtype=np.float64)
    cy = y if champion_y_true is None else np.asarray(champion_y_true, dtype=np.float64)
    _check_inputs(cy, cs)
    paired = len(cy) == len(y) and bool(np.array_equal(cy, y))
    champ = _Prepared(cy, cs, cs >= threshold)
    champion_value = float(_metric(champ, np.ones((1, len(cy))), metric)[0])
    delta = metrics[metric] - champion_value
    if replicates <= 0:
        return result(delta, delta, delta, champion_value, paired)
    rng = np.random.default_rng(seed)
    deltas = np.empty(replicates)
    chunk = max(1, min(replicates, 4_000_000 // max(len(y), 1)))
    for start in range(0, replicates, chunk):
        stop = min(replicates, start + chunk)
        k = stop - start
        w = _resample_weights(rng, len(y), k)
        wc = w if paired else _resample_weights(rng, len(cy), k)
        deltas[start:stop] = _metric(prep, w, metric) - _metric(champ, wc, metric)
        if progress is not None:
            progress(stop, replicates)
    alpha = (1 - confidence) / 2
    lo, hi = np.nanquantile(deltas, [alpha, 1 - alpha])
    return result(delta, float(lo), float(hi), champion_value, paired)
