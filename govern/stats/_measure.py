"""Pure measurements of states: fairness from the count cube, drift from grids, performance from scores.

Every function here reads counts only, so the same numbers come from one in-memory batch, a
streamed directory, or partials reduced on a cluster.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from govern.core import GovernError
from govern.measurements import DriftMeasurement, FairnessMeasurement, FeatureDrift, Interval, PerformanceMeasurement

from ._cells import measure_cells
from ._codes import (
    CHECK_PARAMS_INVALID,
    EVIDENCE_EMPTY,
    EVIDENCE_LABEL_SINGLE_CLASS,
    EVIDENCE_MISSING_COLUMN,
    STATS_MERGE_MISMATCH,
)
from ._distances import jensen_shannon, ks_pvalue, ks_statistic, psi, wasserstein_sorted
from ._spec import NumericProfile
from ._states import CategoryState, FairnessState, FeatureState, NumericState, Partials, ScoreState

Progress = Callable[[int, int], None]
EXACT_KS_MAX_N = 10_000
# The effect-size bands of the retrain decision on large samples (docs/checks.md): (review, retrain).
EFFECT_BANDS: dict[str, tuple[float, float]] = {
    "psi": (0.1, 0.25),
    "ks_statistic": (0.1, 0.2),
    "jensen_shannon": (0.1, 0.2),
    "wasserstein": (0.1, 0.25),
    "chi2_statistic": (math.inf, math.inf),  # chi-square grows with n: never an effect size
}
LARGE_SAMPLE = 100_000


# -- fairness ------------------------------------------------------------------------------------


def measure_fairness(
    state: FairnessState,
    *,
    metric: str = "demographic_parity_difference",
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    min_group_size: int = 30,
    progress: Progress | None = None,
) -> FairnessMeasurement:
    """Fairness of the count cube, with a multinomial bootstrap over its cells
    (:func:`measure_cells`, the code path of the in-memory check too).

    Groups under ``min_group_size`` rows take part in every number but are suppressed from
    ``per_group`` (their counts never leave the process); such a group makes the measurement
    ``inconclusive``.
    """
    groups, cells = state.table()
    return measure_cells(
        cells,
        [", ".join(g) for g in groups],
        sensitive=state.spec.sensitive,
        metric=metric,
        confidence=confidence,
        replicates=replicates,
        seed=seed,
        min_group_size=min_group_size,
        progress=progress,
    )


# -- drift -----------------------------------------------------------------------------------------


def _psi_bins(state: NumericState) -> np.ndarray:
    """Counts in the right-closed PSI bins (-inf, e0], (e0, e1], ..., (e_last, inf): exact."""
    cum = np.cumsum(state.counts)
    below = [(int(cum[c - 1]) if c > 0 else 0) + int(s) for c, s in zip(state._edge_cells, state.splits, strict=True)]
    n = int(cum[-1])
    return np.diff(np.asarray([0, *below, n], dtype=np.int64))


def ks_bracket(ref: NumericState, cur: NumericState) -> tuple[float, float]:
    """[lower, upper] bounds of the exact two-sample KS D from the two grid histograms."""
    a = np.cumsum(ref.counts) / ref.counts.sum()
    b = np.cumsum(cur.counts) / cur.counts.sum()
    lo = float(np.max(np.abs(a - b)))
    a0 = np.concatenate(([0.0], a[:-1]))
    b0 = np.concatenate(([0.0], b[:-1]))
    occupied = (ref.counts + cur.counts) > 0
    hi = float(np.max(np.where(occupied, np.maximum(a - b0, b - a0), 0.0)))
    return lo, max(lo, hi)


def wasserstein_bracket(ref: NumericState, cur: NumericState) -> tuple[float, float]:
    """[lower, upper] bounds of the exact Wasserstein-1 distance from the grid histograms."""
    profile = ref.profile
    lowest, highest = min(ref.low, cur.low), max(ref.high, cur.high)
    left, right = profile.cell_bounds(lowest, highest)
    left = np.clip(left, lowest, highest)
    right = np.clip(right, lowest, highest)
    width = np.maximum(right - left, 0.0)
    a = np.cumsum(ref.counts) / ref.counts.sum()
    b = np.cumsum(cur.counts) / cur.counts.sum()
    a0 = np.concatenate(([0.0], a[:-1]))
    b0 = np.concatenate(([0.0], b[:-1]))
    upper = float(np.sum(width * np.maximum(np.maximum(a - b0, b - a0), 0.0)))
    gap = np.maximum(np.maximum(a0 - b, b0 - a), 0.0)
    # The cells' value bounds overlap by the rounding fuzz; shrink them so overlaps never count twice.
    fuzz = np.finfo(np.float64).eps * 8 * (abs(profile.lo) + abs(profile.hi) + 1.0)
    lower = float(np.sum(np.maximum(width - 4 * fuzz, 0.0) * gap))
    return lower, max(lower, upper)


def refine_exact(ref: NumericState, cur: NumericState, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact (KS D, Wasserstein-1) of the samples ``a`` (reference) and ``b`` (current), all
    finite, whose grid counts are ``ref`` and ``cur``: no full sort.

    The grid cuts both sorted samples at the same values, so at each cell's end both empirical
    CDFs are known exactly from the cumulative counts, and inside a cell they stay between its
    ends. KS: the largest gap at cell ends bounds D from below; only cells whose in-cell bound
    beats it are opened (their values sorted, the CDFs evaluated at each, as scipy does).
    Wasserstein: where F_a - F_b keeps one sign over a cell, the integral of |F_a - F_b| over it
    follows from the cell's counts and the sums of its values' distances to the cell's right
    end; the cells where the sign may change are opened and integrated between their values.
    D is scipy's to the last bit (the same integer ratios); W1 agrees to ~1e-13 relative.
    """
    profile = ref.profile
    ca, cb = ref.counts, cur.counts
    na, nb = int(ca.sum()), int(cb.sum())
    end_a, end_b = np.cumsum(ca), np.cumsum(cb)
    start_a, start_b = end_a - ca, end_b - cb
    fa, fb = end_a / na, end_b / nb
    occupied = (ca + cb) > 0
    floor_d = float(np.max(np.abs(fa - fb)[occupied]))
    ceiling = np.maximum(fa - start_b / nb, fb - start_a / na)
    candidates = occupied & (ceiling > floor_d)
    low_gap, high_gap = start_a / na - fb, fa - start_b / nb  # F_a - F_b stays inside these in a cell
    opened = candidates | (occupied & (low_gap < 0) & (high_gap > 0))
    # cell k spans [left[k], right[k]): the inner cells' grid lines, the outer cells to the data's ends
    lowest, highest = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    lines = profile.lo + np.arange(profile.bins + 1, dtype=np.float64) / profile.scale
    left = np.clip(np.concatenate(([lowest], lines)), lowest, highest)
    right = np.clip(np.concatenate((lines, [highest])), lowest, highest)
    cells_a, cells_b = profile.cells(a), profile.cells(b)
    n_cells = profile.n_cells
    rest_a = np.bincount(cells_a, weights=right[cells_a] - a, minlength=n_cells)
    rest_b = np.bincount(cells_b, weights=right[cells_b] - b, minlength=n_cells)
    # integral over cell k of F_a - F_b = width * (start_a/na - start_b/nb) + rest_a/na - rest_b/nb
    level = (start_a * nb - start_b * na).astype(np.float64) / (float(na) * nb)
    closed = ~opened
    integral = (right - left) * level + rest_a / na - rest_b / nb
    w = float(np.abs(integral[closed]).sum())
    # open cells: their values, sorted (the grid's cells are ordered, so sorting orders cells too)
    sel_a, sel_b = np.sort(a[opened[cells_a]]), np.sort(b[opened[cells_b]])
    both = np.concatenate((sel_a, sel_b))
    order = np.argsort(both, kind="stable")  # two sorted runs: a linear merge
    points = both[order]
    upto_a = np.cumsum(order < len(sel_a))  # values of a among the open cells' values so far
    upto_b = np.arange(1, len(points) + 1) - upto_a
    last = np.append(points[1:] != points[:-1], True)  # each distinct value once, after its ties
    points, upto_a, upto_b = points[last], upto_a[last], upto_b[last]
    cells_p = profile.cells(points)
    below_a = np.cumsum(np.where(opened, 0, ca)) - np.where(opened, 0, ca)  # rows in closed cells before k
    below_b = np.cumsum(np.where(opened, 0, cb)) - np.where(opened, 0, cb)
    gaps = (below_a[cells_p] + upto_a) / na - (below_b[cells_p] + upto_b) / nb
    in_candidates = candidates[cells_p]
    d = max(floor_d, float(np.max(np.abs(gaps[in_candidates]))) if in_candidates.any() else 0.0)
    if len(points):
        # |F_a - F_b| is constant from each value to the next one in its cell (or the cell's end),
        # and from each open cell's left end to its first value
        same = cells_p[1:] == cells_p[:-1]
        stop = right[cells_p]
        stop[:-1] = np.where(same, points[1:], stop[:-1])
        w += float(np.sum(np.abs(gaps) * np.maximum(stop - points, 0.0)))
        first = np.flatnonzero(np.concatenate(([True], ~same)))
        k = cells_p[first]
        w += float(np.sum(np.abs(level[k]) * np.maximum(points[first] - left[k], 0.0)))
    return d, w


def _exact_numeric(ref: NumericState, cur: NumericState) -> tuple[float, float, float]:
    """(KS D, p-value, W1) from the exact distinct tables (scipy's definitions)."""
    assert ref.distinct is not None and cur.distinct is not None
    na, nb = int(ref.distinct[1].sum()), int(cur.distinct[1].sum())
    if max(na, nb) <= EXACT_KS_MAX_N:
        from scipy.stats import ks_2samp

        a = np.repeat(*ref.distinct)
        b = np.repeat(*cur.distinct)
        result = ks_2samp(a, b)
        return float(result.statistic), float(result.pvalue), wasserstein_sorted(a, b)
    values = np.union1d(ref.distinct[0], cur.distinct[0])
    fa = np.cumsum(_on(values, ref.distinct)) / na
    fb = np.cumsum(_on(values, cur.distinct)) / nb
    d = float(np.max(np.abs(fa - fb)))
    w = float(np.sum(np.diff(values) * np.abs(fa - fb)[:-1]))
    if max(na, nb) <= 4 * EXACT_KS_MAX_N:
        d = ks_statistic(np.repeat(*ref.distinct), np.repeat(*cur.distinct))
    return d, ks_pvalue(d, na, nb), w


def _on(values: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    out = np.zeros(len(values), dtype=np.int64)
    out[np.searchsorted(values, table[0])] = table[1]
    return out


def _ks_p(d: float, na: int, nb: int) -> float:
    """KS p-value for gridded (large) samples: the limiting Kolmogorov distribution once
    ``n m / (n + m)`` exceeds 10^5 (scipy's finite-n ``kstwo`` costs ~0.3 s a call there and
    differs from the limit by less than the grid's own uncertainty), else as scipy."""
    from scipy.stats import distributions

    en = na * nb / (na + nb)
    if en > 100_000:
        return float(distributions.kstwobign.sf(math.sqrt(en) * d))
    return ks_pvalue(d, na, nb)


def numeric_feature(
    ref: NumericState, cur: NumericState, samples: tuple[np.ndarray, np.ndarray] | None = None
) -> dict[str, Any]:
    """KS, PSI, Wasserstein (normalized) and JS of one feature, with intervals when gridded;
    exact when both distinct tables are kept or the finite ``samples`` themselves are given."""
    na, nb = int(ref.counts.sum()), int(cur.counts.sum())
    if na == 0 or nb == 0:
        raise GovernError(EVIDENCE_EMPTY, f"feature {ref.name!r} has no non-empty values to compare")
    profile = ref.profile
    scale = profile.std if profile.std > 0 else 1.0
    pr, pc = _psi_bins(ref), _psi_bins(cur)
    out: dict[str, Any] = {
        "kind": "numeric",
        "n_reference": na,
        "n_current": nb,
        "psi": psi(pr, pc),
        "jensen_shannon": jensen_shannon(pr, pc),
        "intervals": {},
    }
    if ref.distinct is not None and cur.distinct is not None:
        d, p, w = _exact_numeric(ref, cur)
        out.update(ks_statistic=d, ks_pvalue=p, wasserstein=w / scale)
        return out
    if samples is not None:
        d, w = refine_exact(ref, cur, *samples)
        out.update(ks_statistic=d, ks_pvalue=ks_pvalue(d, na, nb), wasserstein=w / scale)
        return out
    d_lo, d_hi = ks_bracket(ref, cur)
    w_lo, w_hi = wasserstein_bracket(ref, cur)
    d = (d_lo + d_hi) / 2
    out.update(ks_statistic=d, ks_pvalue=_ks_p(d, na, nb), wasserstein=(w_lo + w_hi) / 2 / scale)
    out["intervals"] = {
        "ks_statistic": Interval(d_lo, d_hi),
        "ks_pvalue": Interval(_ks_p(d_hi, na, nb), _ks_p(d_lo, na, nb)),
        "wasserstein": Interval(w_lo / scale, w_hi / scale),
    }
    return out


def categorical_feature(ref: CategoryState, cur: CategoryState) -> dict[str, Any]:
    """Chi-square, PSI, JS and unseen share of one categorical feature (the in-memory definitions)."""
    from scipy.special import chdtrc

    categories = sorted(set(ref.counts) | set(cur.counts))
    r = np.asarray([ref.counts.get(c, 0) for c in categories], dtype=np.float64)
    c = np.asarray([cur.counts.get(k, 0) for k in categories], dtype=np.float64)
    if r.sum() == 0 or c.sum() == 0:
        raise GovernError(EVIDENCE_EMPTY, f"feature {ref.name!r} has no non-empty values to compare")
    table = np.vstack([r, c])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    dof = len(categories) - 1
    return {
        "kind": "categorical",
        "n_reference": int(r.sum()),
        "n_current": int(c.sum()),
        "chi2_statistic": chi2,
        "chi2_pvalue": float(chdtrc(dof, chi2)) if dof > 0 else 1.0,
        "psi": psi(r, c),
        "jensen_shannon": jensen_shannon(r, c),
        "unseen_share": float(c[r == 0].sum() / c.sum()),
        "intervals": {},
    }


def feature_drift(
    ref: FeatureState, cur: FeatureState, samples: tuple[np.ndarray, np.ndarray] | None = None
) -> dict[str, Any]:
    """The statistics of one feature from its reference and current states (and, for a
    numeric feature, its finite samples when the caller holds them: exact statistics)."""
    if isinstance(ref, NumericState) and isinstance(cur, NumericState):
        return numeric_feature(ref, cur, samples)
    if isinstance(ref, CategoryState) and isinstance(cur, CategoryState):
        return categorical_feature(ref, cur)
    raise GovernError(STATS_MERGE_MISMATCH, f"feature {ref.name!r} has different kinds in reference and current")


def _p_upper(stats: dict[str, Any]) -> float:
    """The largest p-value a feature's statistic allows: its interval's upper end when gridded."""
    interval = stats["intervals"].get("ks_pvalue")
    return float(stats["pvalue"]) if interval is None else float(interval.upper)


def decide(min_pvalue: float, *, review_p: float = 0.05, retrain_p: float = 0.01) -> str:
    """The retraining matrix: p > review_p monitor; retrain_p <= p <= review_p review; else retrain."""
    if min_pvalue > review_p:
        return "monitor"
    if min_pvalue >= retrain_p:
        return "review"
    return "retrain"


def decide_effect(statistic: str, value: Interval, *, bands: tuple[float, float] | None = None) -> str:
    """The retrain decision from an effect size and its interval, judged at its upper end (fail safe)."""
    review, retrain = bands or EFFECT_BANDS.get(statistic, EFFECT_BANDS["psi"])
    if value.upper >= retrain:
        return "retrain"
    if value.upper >= review:
        return "review"
    return "monitor"


METHOD_KEY: dict[str, tuple[str, str]] = {
    "psi": ("psi", "psi"),
    "ks": ("ks_statistic", "chi2_statistic"),
    "chi2": ("ks_statistic", "chi2_statistic"),
    "wasserstein": ("wasserstein", "jensen_shannon"),
    "jensen_shannon": ("jensen_shannon", "jensen_shannon"),
}


def measure_drift(
    reference: Partials,
    current: Partials,
    *,
    features: Sequence[str] | None = None,
    method: str = "psi",
    threshold: float | None = None,
    review_p: float = 0.05,
    retrain_p: float = 0.01,
    score: str | None = None,
    progress: Progress | None = None,
    samples: Callable[[str], tuple[np.ndarray, np.ndarray] | None] | None = None,
    workers: int = 1,
) -> DriftMeasurement:
    """Per-feature drift of ``current`` against ``reference`` partials (same spec).

    ``samples(name)``: the finite (reference, current) values of a numeric feature when the
    caller holds them (in memory): its gridded statistics are then made exact. ``workers``:
    features measured by that many threads (numpy releases the GIL).

    The decision: with both samples at most :data:`LARGE_SAMPLE` rows, the p-value bands
    (``p > review_p`` monitor, ``retrain_p <= p <= review_p`` review, else retrain); on larger
    samples every p-value is ~0, so the effect size decides: the largest per-feature statistic of
    ``method`` (its interval's upper end) against :data:`EFFECT_BANDS`.
    """
    if reference.spec.digest != current.spec.digest:
        raise GovernError(STATS_MERGE_MISMATCH, "reference and current partials were collected under different specs")
    if method not in METHOD_KEY:
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown drift method {method!r}")
    if not 0 <= retrain_p <= review_p <= 1:
        raise GovernError(CHECK_PARAMS_INVALID, "need 0 <= retrain_p <= review_p <= 1")
    names = [n for n in (features if features is not None else list(reference.features)) if n != score]
    if not names:
        raise GovernError(CHECK_PARAMS_INVALID, "no feature to compare")
    per_feature: dict[str, FeatureDrift] = {}
    raw: dict[str, dict[str, Any]] = {}
    numeric_key, categorical_key = METHOD_KEY[method]
    for name in names:
        if name not in reference.features:
            raise GovernError(EVIDENCE_MISSING_COLUMN, f"feature {name!r} is not in the partials")

    def one(name: str) -> dict[str, Any]:
        return feature_drift(reference.features[name], current.features[name], samples(name) if samples else None)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names)))) as pool:
        results = pool.map(one, names) if workers > 1 else map(one, names)
        for i, (name, stats) in enumerate(zip(names, results, strict=True)):
            key = numeric_key if stats["kind"] == "numeric" else categorical_key
            stats["statistic_name"] = key
            stats["statistic"] = float(stats.get(key, 0.0))
            stats["pvalue"] = float(stats.get("ks_pvalue", stats.get("chi2_pvalue", 1.0)))
            raw[name] = stats
            if progress is not None:
                progress(i + 1, len(names))
    if threshold is None:  # a gridded p-value counts only when its whole interval is below the cut
        drifted = [n for n in names if _p_upper(raw[n]) < retrain_p]
    else:
        drifted = [n for n in names if raw[n]["statistic"] >= threshold]
    for name in names:
        per_feature[name] = FeatureDrift(drifted=name in drifted, **raw[name])
    top_name = max(names, key=lambda n: raw[n]["statistic"])
    top = float(raw[top_name]["statistic"])
    min_p = float(min(raw[n]["pvalue"] for n in names))
    n_small = min(min(raw[n]["n_reference"], raw[n]["n_current"]) for n in names)
    intervals: dict[str, Interval] = {}
    key = numeric_key if raw[top_name]["kind"] == "numeric" else categorical_key
    top_iv = raw[top_name]["intervals"].get(key)
    if top_iv is not None:
        uppers = [raw[n]["intervals"].get(key, Interval(raw[n]["statistic"], raw[n]["statistic"])) for n in names]
        intervals["value"] = intervals["max_value"] = Interval(top_iv.lower, max(iv.upper for iv in uppers))
    p_ivs = [raw[n]["intervals"].get("ks_pvalue") for n in names]
    if any(iv is not None for iv in p_ivs):
        lows = [iv.lower if iv is not None else raw[n]["pvalue"] for n, iv in zip(names, p_ivs, strict=True)]
        highs = [iv.upper if iv is not None else raw[n]["pvalue"] for n, iv in zip(names, p_ivs, strict=True)]
        intervals["min_pvalue"] = Interval(min(lows), min(highs))
    if n_small <= LARGE_SAMPLE:
        decision = decide(min_p, review_p=review_p, retrain_p=retrain_p)
    else:
        stat = key if key in EFFECT_BANDS else "psi"
        decision = decide_effect(stat, intervals.get("value", Interval(top, top)))
    prediction_psi = None
    if score is not None and score in reference.features and score in current.features:
        prediction_psi = float(feature_drift(reference.features[score], current.features[score])["psi"])
    return DriftMeasurement(
        value=top,
        inconclusive=False,
        method=method,
        max_value=top,
        min_pvalue=min_p,
        per_feature=per_feature,
        drifted=drifted,
        decision=decision,
        review_p=review_p,
        retrain_p=retrain_p,
        threshold=threshold,
        has_score=prediction_psi is not None,
        prediction_psi=prediction_psi,
        intervals=intervals,
    )


# -- performance ---------------------------------------------------------------------------------


def auc_of(state: ScoreState) -> tuple[float, Interval]:
    """ROC AUC (ties count one half) and its bound: exact from distinct scores, else from the grid."""
    if state.distinct is not None:
        table = state.distinct[1]
    else:
        table = state.binned
    neg, pos = table[:, 0].astype(np.float64), table[:, 1].astype(np.float64)
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos == 0 or total_neg == 0:
        raise GovernError(EVIDENCE_LABEL_SINGLE_CLASS, "the label has only one class; AUC is undefined")
    below = np.cumsum(neg) - neg
    auc = float((pos * (below + 0.5 * neg)).sum() / (total_pos * total_neg))
    if state.distinct is not None:
        return auc, Interval(auc, auc)
    slack = float(0.5 * (pos * neg).sum() / (total_pos * total_neg))
    return auc, Interval(max(0.0, auc - slack), min(1.0, auc + slack))


def score_metrics(state: ScoreState) -> dict[str, float]:
    """auc, accuracy, f1, log_loss, brier, calibration_error (scikit-learn's definitions).

    Exact while the distinct-score table was kept; otherwise log loss, Brier and calibration use
    each grid bin's midpoint (within half a bin, 2**-17, of the score) and AUC its bound's middle.
    """
    tn, fp, fn, tp = (float(c) for c in state.confusion)
    n = tn + fp + fn + tp
    if n == 0:
        raise GovernError(EVIDENCE_EMPTY, "no rows to evaluate")
    auc, _ = auc_of(state)
    if state.distinct is not None:
        s, table = state.distinct
    else:
        s = (np.arange(state.spec.score_bins) + 0.5) / state.spec.score_bins
        table = state.binned
    neg, pos = table[:, 0].astype(np.float64), table[:, 1].astype(np.float64)
    eps = np.finfo(np.float64).eps
    p = np.clip(s, eps, 1 - eps)
    log_loss = float((pos @ -np.log(p) + neg @ -np.log(1 - p)) / n)
    brier = float((pos @ (s - 1) ** 2 + neg @ s**2) / n)
    cal = np.searchsorted(np.linspace(0, 1, 11)[1:-1], s)
    sum_score = np.bincount(cal, weights=(pos + neg) * s, minlength=10)
    sum_label = state.calibration[:, 1].astype(np.float64)
    calibration = float(np.abs(sum_label - sum_score).sum() / n)
    f1_den = 2 * tp + fp + fn
    return {
        "auc": auc,
        "accuracy": (tp + tn) / n,
        "f1": 2 * tp / f1_den if f1_den > 0 else 0.0,
        "log_loss": log_loss,
        "brier": brier,
        "calibration_error": calibration,
    }


def measure_performance(
    state: ScoreState,
    *,
    metric: str = "auc",
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    champion: ScoreState | None = None,
) -> PerformanceMeasurement:
    """Performance of one model from its score state, with the bootstrap interval of ``metric``
    from its count cells (:func:`performance_interval`), and against ``champion``'s score state
    when given: ``delta`` is challenger minus champion, its interval from resampling each model's
    cells independently (an unpaired bootstrap: partials of two evaluations share no rows)."""
    metrics = score_metrics(state)
    if metric not in metrics:
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown performance metric {metric!r}")
    lower = upper = None
    delta = delta_lower = delta_upper = 0.0
    champion_value = None
    if replicates:
        rng = np.random.default_rng(seed)
        draws = _replicate_values(state, metric, rng, replicates, PERFORMANCE_CI_CELLS)
        lower, upper = _percentile(draws, confidence, metric)
    if champion is not None:
        champion_value = score_metrics(champion)[metric]
        delta = delta_lower = delta_upper = metrics[metric] - champion_value
        if replicates:
            other = _replicate_values(champion, metric, rng, replicates, PERFORMANCE_CI_CELLS)
            delta_lower, delta_upper = _percentile(draws - other, confidence, metric)
    return PerformanceMeasurement(
        value=metrics[metric],
        inconclusive=False,
        metric=metric,
        metrics=metrics,
        n=state.rows,
        has_champion=champion is not None,
        delta=delta,
        delta_lower=delta_lower,
        delta_upper=delta_upper,
        confidence=confidence,
        replicates=replicates,
        champion_value=champion_value,
        paired=False if champion is not None else None,
        lower=lower,
        upper=upper,
    )


def profile_kind(profile: Any) -> str:
    return "numeric" if isinstance(profile, NumericProfile) else "categorical"


# -- performance intervals from the count cells ------------------------------------------------------

PERFORMANCE_CI_CELLS = 1 << 12


def performance_interval(
    state: ScoreState,
    metric: str = "auc",
    *,
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    max_cells: int = PERFORMANCE_CI_CELLS,
) -> Interval:
    """Percentile bootstrap interval of one performance metric, resampling count cells, not rows.

    A Poisson bootstrap: every row gets an independent Poisson(1) weight, so a cell of ``c``
    rows gets a Poisson(``c``) count. Resampling the (score, label) table and the confusion cells
    this way costs O(cells x replicates) whatever the number of rows. The table is the exact
    distinct-score table while it was kept, else the score grid (whose bin midpoints the point
    estimates of :func:`score_metrics` use then too). While it has at most ``max_cells`` rows
    each row is resampled; a larger table is resampled in about ``max_cells`` runs of adjacent
    rows of equal count (``_Cells``): a run's Poisson count is exactly the sum of its rows', and
    its rows share it in proportion, so each metric at the observed counts is the table's own
    and only the spread of the rows' terms inside a run is left out. ``accuracy`` and ``f1``
    resample the confusion at the spec's threshold or prediction; the others the table.
    """
    if not 0 < confidence < 1 or replicates < 1:
        raise GovernError(CHECK_PARAMS_INVALID, "need 0 < confidence < 1 and replicates >= 1")
    values = _replicate_values(state, metric, np.random.default_rng(seed), replicates, max_cells)
    lo, hi = _percentile(values, confidence, metric)
    return Interval(lo, hi)


def _replicate_values(
    state: ScoreState, metric: str, rng: np.random.Generator, replicates: int, max_cells: int
) -> np.ndarray:
    """``metric`` on each of ``replicates`` Poisson-bootstrap replicates of the state's cells (NaN
    where it is undefined on a replicate), drawn in blocks of replicates."""
    if metric not in ("auc", "accuracy", "f1", "log_loss", "brier", "calibration_error"):
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown performance metric {metric!r}")
    if state.rows == 0:
        raise GovernError(EVIDENCE_EMPTY, "no rows to evaluate")
    values = np.empty(replicates)
    if metric in ("accuracy", "f1"):
        for lo in range(0, replicates, _BLOCK):
            drawn = rng.poisson(state.confusion, size=(min(_BLOCK, replicates - lo), 4)).astype(np.float64)
            tn, fp, fn, tp = drawn.T
            with np.errstate(divide="ignore", invalid="ignore"):
                if metric == "accuracy":
                    values[lo : lo + len(drawn)] = (tp + tn) / drawn.sum(axis=1)
                else:
                    den = 2 * tp + fp + fn
                    values[lo : lo + len(drawn)] = np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)
        return values
    if state.distinct is not None:
        s, table = state.distinct
    else:
        s = (np.arange(state.spec.score_bins) + 0.5) / state.spec.score_bins
        table = state.binned
    keep = table.sum(axis=1) > 0
    cells = _Cells.of(s[keep], table[keep], max_cells)
    for lo in range(0, replicates, _BLOCK):
        size = min(_BLOCK, replicates - lo)
        counts = rng.poisson(np.broadcast_to(cells.counts, (size, *cells.counts.shape))).astype(np.float64)
        values[lo : lo + size] = cells.metric(metric, counts[:, :, 0], counts[:, :, 1])
    return values


_BLOCK = 64  # replicates drawn at once (64 x 4,096 cells x 2 counts: 4 MiB)


@dataclass(frozen=True, slots=True)
class _Cells:
    """A (score, negatives, positives) table in cells for the bootstrap: each row its own cell
    while there are at most ``max_cells`` rows, else runs of adjacent rows of about equal count
    (never across a calibration bin's edge). Per cell: the counts and, per class, the sums of
    the rows' log-loss, Brier and score terms and the AUC wins of its pairs inside the cell, so
    every metric at the observed counts is the table's own; a replicate's Poisson count of a
    cell (the sum of its rows' Poisson counts, exactly) weighs its rows in proportion."""

    counts: np.ndarray  # (cells, 2) int64: negatives, positives
    neg_terms: np.ndarray  # (3, cells): -log(1 - p), s**2, s summed over the cell's negatives
    pos_terms: np.ndarray  # (3, cells): -log(p), (s - 1)**2, s summed over its positives
    inner_wins: np.ndarray  # (cells,) AUC wins of the cell's (positive, negative) pairs
    calibration: np.ndarray  # (cells,) calibration bin

    @classmethod
    def of(cls, s: np.ndarray, table: np.ndarray, max_cells: int) -> _Cells:
        neg, pos = table[:, 0].astype(np.float64), table[:, 1].astype(np.float64)
        eps = np.finfo(np.float64).eps
        p = np.clip(s, eps, 1 - eps)
        cal = np.searchsorted(np.linspace(0, 1, 11)[1:-1], s)
        below = np.cumsum(neg) - neg  # negatives of lower score
        wins = pos * (below + 0.5 * neg)
        if len(s) <= max_cells:
            starts = np.arange(len(s))
        else:
            rows = neg + pos
            run = np.floor((np.cumsum(rows) - rows) * (max(1, max_cells - 10) / rows.sum())).astype(np.int64)
            key = run * 16 + cal  # both non-decreasing in the score: cells are contiguous
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        terms = np.stack([-np.log(1 - p), s**2, s, -np.log(p), (s - 1) ** 2, s])
        summed = np.add.reduceat(
            np.concatenate([terms * np.r_[[neg] * 3, [pos] * 3], [neg, pos, wins]]), starts, axis=1
        )
        cell_pos = summed[7]
        return cls(
            counts=np.add.reduceat(table.astype(np.int64), starts, axis=0),
            neg_terms=summed[0:3],
            pos_terms=summed[3:6],
            inner_wins=summed[8] - cell_pos * below[starts],
            calibration=cal[starts],
        )

    def metric(self, metric: str, neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """``metric`` of each replicate: ``neg`` and ``pos`` are (replicates, cells) counts."""
        observed = self.counts.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(observed[:, 0] > 0, neg / np.where(observed[:, 0] > 0, observed[:, 0], 1), 0.0)
            b = np.where(observed[:, 1] > 0, pos / np.where(observed[:, 1] > 0, observed[:, 1], 1), 0.0)
            n = neg.sum(axis=1) + pos.sum(axis=1)
            if metric == "auc":
                below = np.cumsum(neg, axis=1) - neg
                wins = (pos * below).sum(axis=1) + (a * b) @ self.inner_wins
                total = pos.sum(axis=1) * neg.sum(axis=1)
                return np.where(total > 0, wins / np.where(total > 0, total, 1), math.nan)
            if metric in ("log_loss", "brier"):
                k = 0 if metric == "log_loss" else 1
                out: np.ndarray = (a @ self.neg_terms[k] + b @ self.pos_terms[k]) / n
                return out
            scores = a * self.neg_terms[2] + b * self.pos_terms[2]  # calibration_error
            onehot = np.zeros((len(self.calibration), 10))
            onehot[np.arange(len(self.calibration)), self.calibration] = 1.0
            error: np.ndarray = np.abs(pos @ onehot - scores @ onehot).sum(axis=1) / n
            return error


def _percentile(values: np.ndarray, confidence: float, metric: str) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        raise GovernError(EVIDENCE_LABEL_SINGLE_CLASS, f"{metric} is undefined on every bootstrap replicate")
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)
