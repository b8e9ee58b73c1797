"""Group fairness from a confusion-count cube, with a multinomial bootstrap.

Every group metric is a function of the four confusion counts per group ``[tn, fp, fn, tp]``.
Resampling rows with replacement is the same as drawing the cell counts from a multinomial with
the observed cell shares, so 1,000 bootstrap replicates of 1,000,000 rows cost 1,000 draws of a
few dozen counts instead of 10**9 row indices. Definitions follow fairlearn (``between_groups``,
``worst_case``): numbers equal fairlearn's ``MetricFrame`` on the same input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np

from govern.core import GovernError
from govern.measurements import FAIRNESS_METRICS, FairnessMeasurement, GroupStats, Interval

from ._codes import CHECK_PARAMS_INVALID, EVIDENCE_EMPTY

Progress = Callable[[int, int], None]


def _rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den is 0 (scikit-learn's zero_division=0, as fairlearn)."""
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _group_rates(cells: np.ndarray) -> dict[str, np.ndarray]:
    """Group metrics from counts shaped (..., groups, 4) with cells [tn, fp, fn, tp]."""
    tn, fp, fn, tp = (cells[..., i].astype(np.float64) for i in range(4))
    n = tn + fp + fn + tp
    pos = tp + fn
    neg = tn + fp
    return {
        "count": n,
        "selection_rate": _rate(tp + fp, n),
        "true_positive_rate": _rate(tp, pos),
        "false_positive_rate": _rate(fp, neg),
        "false_negative_rate": _rate(fn, pos),
        "precision": _rate(tp, tp + fp),
        "accuracy": _rate(tp + tn, n),
    }


def _spread(values: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(max - min, min / max) over the groups present (last axis); 0/0 ratios are 1.0."""
    hi = np.max(np.where(present, values, -np.inf), axis=-1)
    lo = np.min(np.where(present, values, np.inf), axis=-1)
    ratio = np.ones_like(hi)
    np.divide(lo, hi, out=ratio, where=hi > 0)
    return hi - lo, ratio


def _summary(cells: np.ndarray) -> dict[str, np.ndarray]:
    """The six between-group metrics (fairlearn definitions) for counts (..., groups, 4)."""
    rates = _group_rates(cells)
    present = rates["count"] > 0
    dp_diff, dp_ratio = _spread(rates["selection_rate"], present)
    tpr_diff, tpr_ratio = _spread(rates["true_positive_rate"], present)
    fpr_diff, fpr_ratio = _spread(rates["false_positive_rate"], present)
    return {
        "demographic_parity_difference": dp_diff,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": np.maximum(tpr_diff, fpr_diff),
        "equalized_odds_ratio": np.minimum(tpr_ratio, fpr_ratio),
        "equal_opportunity_difference": tpr_diff,
        "equal_opportunity_ratio": tpr_ratio,
    }


def bootstrap_cells(cells: np.ndarray, *, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """``replicates`` row-bootstrap resamples of the counts, as multinomial draws (B, groups, 4)."""
    flat = cells.ravel().astype(np.float64)
    n = int(flat.sum())
    draws = rng.multinomial(n, flat / n, size=replicates)
    return draws.reshape(replicates, *cells.shape)


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval of a binomial proportion (``successes`` of ``n``); None when ``n`` is 0.

    Equals ``scipy.stats.binomtest(successes, n).proportion_ci(confidence, method="wilson")``.
    """
    if n <= 0:
        return None
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def group_stats(cells: np.ndarray, labels: Sequence[str], *, confidence: float) -> dict[str, GroupStats]:
    """Per group: the confusion counts, fairlearn's rates and a Wilson interval per rate."""
    rates = _group_rates(cells)
    out: dict[str, GroupStats] = {}
    for i, label in enumerate(labels):
        tn, fp, fn, tp = (int(c) for c in cells[i])
        n = tn + fp + fn + tp
        # rate -> (numerator, denominator), the counts behind each rate of _group_rates
        behind = {
            "selection_rate": (tp + fp, n),
            "true_positive_rate": (tp, tp + fn),
            "false_positive_rate": (fp, fp + tn),
            "false_negative_rate": (fn, tp + fn),
            "precision": (tp, tp + fp),
            "accuracy": (tp + tn, n),
        }
        intervals = {
            name: ci
            for name, (k, d) in behind.items()
            if (ci := wilson_interval(k, d, confidence=confidence)) is not None
        }
        out[label] = GroupStats(
            count=n,
            tn=tn,
            fp=fp,
            fn=fn,
            tp=tp,
            selection_rate=float(rates["selection_rate"][i]),
            true_positive_rate=float(rates["true_positive_rate"][i]),
            false_positive_rate=float(rates["false_positive_rate"][i]),
            false_negative_rate=float(rates["false_negative_rate"][i]),
            precision=float(rates["precision"][i]),
            accuracy=float(rates["accuracy"][i]),
            intervals=intervals,
        )
    return out


def measure_cells(
    cells: np.ndarray,
    labels: Sequence[str],
    *,
    sensitive: Sequence[str],
    metric: str = "demographic_parity_difference",
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    min_group_size: int = 30,
    progress: Progress | None = None,
) -> FairnessMeasurement:
    """The fairness measurement of a count cube (groups, 4): the one code path of every source
    (in-memory arrays, streamed datasets, partials from a cluster; ``govern.stats``).

    Groups under ``min_group_size`` rows count in every number but are left out of
    ``per_group`` (small-cell suppression: their counts never leave the process); they make the
    measurement ``inconclusive``.
    """
    if metric not in FAIRNESS_METRICS:
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown fairness metric {metric!r}")
    if not 0 < confidence < 1:
        raise GovernError(CHECK_PARAMS_INVALID, "confidence must be between 0 and 1")
    if len(labels) == 0:
        raise GovernError(EVIDENCE_EMPTY, "no rows to evaluate")
    rates = _group_rates(cells)
    point = {k: float(v) for k, v in _summary(cells).items()}
    value = point[metric]
    lower = upper = value
    if replicates > 0:
        samples = np.empty(replicates)
        chunk = 250
        rng = np.random.default_rng(seed)
        for start in range(0, replicates, chunk):
            stop = min(replicates, start + chunk)
            draws = bootstrap_cells(cells, replicates=stop - start, rng=rng)
            samples[start:stop] = _summary(draws)[metric]
            if progress is not None:
                progress(stop, replicates)
        alpha = (1 - confidence) / 2
        lower, upper = (float(q) for q in np.quantile(samples, [alpha, 1 - alpha]))
    counts = rates["count"]
    selection = rates["selection_rate"]
    min_count = int(counts.min())
    shown = [i for i in range(len(labels)) if counts[i] >= min_group_size]
    return FairnessMeasurement(
        value=value,
        inconclusive=bool(min_count < min_group_size or len(labels) < 2),
        metric=metric,
        lower=lower,
        upper=upper,
        metrics=point,
        per_group=group_stats(cells[shown], [labels[i] for i in shown], confidence=confidence),
        four_fifths_pass=bool(selection.min() >= 0.8 * selection.max()),
        min_group_count=min_count,
        min_group_size=min_group_size,
        groups=list(labels),
        sensitive=list(sensitive),
        confidence=confidence,
        replicates=replicates,
    )
