"""Distribution drift between a reference and a current sample, per feature.

Numeric features are sorted once; every statistic is read from the two sorted arrays:

* KS statistic: the largest gap between the two empirical CDFs, evaluated (as scipy does) at
  every observed value, ties included. The p-value is scipy's: the exact distribution when
  both samples have at most 10,000 rows (``ks_2samp`` itself), else ``kstwo.sf(D, round(m n /
  (m + n)))``. Where the limiting Kolmogorov tail is below 1e-10 it is used instead, because
  scipy's finite-n ``kstwo`` takes ~0.4 s there and both are below 1e-9 (the tolerance).
* PSI over quantile bins of the reference: edges are the reference's 10-quantiles (deciles,
  ``numpy.quantile``, linear), duplicates dropped; bins are right-closed ``(e[i-1], e[i]]``
  with open outer ends, so values outside the reference range fall in the outer bins. An empty
  bin's share is floored at 1e-4 before ``sum((q - p) * ln(q / p))`` (smoothing).
* Jensen-Shannon distance (base 2, in [0, 1]) over the same bins, unsmoothed, as scipy's
  ``jensenshannon``.
* Wasserstein-1 from the quantile functions (the integral of |Q_ref - Q_cur| over [0, 1],
  with exact integer breakpoints), normalized by the reference standard deviation
  (ddof 0; by 1 when that is 0), as scipy's ``wasserstein_distance`` / std.

Categorical features: Pearson chi-square on the 2 x k table of counts over the union of
categories (no Yates correction, as ``chi2_contingency(correction=False)``), PSI and
Jensen-Shannon over category shares (same floor), and the share of current rows whose
category never occurs in the reference (``unseen_share``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from govern.core import GovernError
from govern.measurements import DriftMeasurement, FeatureDrift

from ._vocab import DriftMethod

METHOD_KEY: dict[str, tuple[str, str]] = {
    # method -> (numeric statistic, categorical statistic)
    "psi": ("psi", "psi"),
    "ks": ("ks_statistic", "chi2_statistic"),
    "chi2": ("ks_statistic", "chi2_statistic"),
    "wasserstein": ("wasserstein", "jensen_shannon"),
    "jensen_shannon": ("jensen_shannon", "jensen_shannon"),
}
PSI_BINS = 10
PSI_FLOOR = 1e-4
EXACT_KS_MAX_N = 10_000
Progress = Callable[[int, int], None]


# -- numeric ------------------------------------------------------------------------------------


def _last_of_runs(sorted_values: np.ndarray) -> np.ndarray:
    """Indices of the last element of each run of equal values."""
    keep = np.empty(len(sorted_values), dtype=bool)
    keep[-1] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=keep[:-1])
    return np.flatnonzero(keep)


def ks_statistic(a_sorted: np.ndarray, b_sorted: np.ndarray) -> float:
    """Two-sided two-sample KS statistic of two sorted samples (scipy's ``ks_2samp`` D)."""
    n1, n2 = len(a_sorted), len(b_sorted)
    ia = _last_of_runs(a_sorted)
    ib = _last_of_runs(b_sorted)
    # At each distinct value of a: F_a = (i + 1) / n1 exactly, F_b by search; and vice versa.
    da = (ia + 1) / n1 - np.searchsorted(b_sorted, a_sorted[ia], side="right") / n2
    db = np.searchsorted(a_sorted, b_sorted[ib], side="right") / n1 - (ib + 1) / n2
    return float(max(da.max(), db.max(), -da.min(), -db.min(), 0.0))


def ks_pvalue(d: float, n1: int, n2: int) -> float:
    """Two-sided p-value of KS statistic ``d`` as scipy's ``ks_2samp(method='auto')``."""
    from scipy.stats import distributions

    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    limiting = float(distributions.kstwobign.sf(math.sqrt(en) * d))
    if limiting < 1e-10:
        return limiting
    return float(np.clip(distributions.kstwo.sf(d, np.round(en)), 0, 1))


def wasserstein_sorted(a_sorted: np.ndarray, b_sorted: np.ndarray) -> float:
    """Wasserstein-1 distance of two sorted samples: integral of |Q_a(t) - Q_b(t)| dt."""
    n1, n2 = len(a_sorted), len(b_sorted)
    if n1 == n2:
        return float(np.mean(np.abs(a_sorted - b_sorted)))
    # Breakpoints of both quantile functions on the common grid 1 / (n1 n2), as integers.
    ticks = np.union1d(np.arange(n1, dtype=np.int64) * n2, np.arange(n2, dtype=np.int64) * n1)
    widths = np.diff(np.append(ticks, n1 * n2)) / (n1 * n2)
    return float(np.sum(widths * np.abs(a_sorted[ticks // n2] - b_sorted[ticks // n1])))


def quantile_edges(reference_sorted: np.ndarray, bins: int = PSI_BINS) -> np.ndarray:
    """Inner PSI bin edges: the reference's quantiles at 1/bins ... (bins-1)/bins, deduplicated."""
    return np.unique(np.quantile(reference_sorted, np.linspace(0, 1, bins + 1)[1:-1]))


def binned_counts(values_sorted: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts in right-closed bins (-inf, e0], (e0, e1], ..., (e_last, inf) of a sorted sample."""
    cuts = np.searchsorted(values_sorted, edges, side="right")
    return np.diff(np.concatenate(([0], cuts, [len(values_sorted)])))


def psi(expected_counts: np.ndarray, actual_counts: np.ndarray, *, floor: float = PSI_FLOOR) -> float:
    """Population stability index of two count vectors over the same bins (shares floored)."""
    p = np.maximum(expected_counts / expected_counts.sum(), floor)
    q = np.maximum(actual_counts / actual_counts.sum(), floor)
    return float(np.sum((q - p) * np.log(q / p)))


def jensen_shannon(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """Jensen-Shannon distance, base 2 (scipy's ``jensenshannon(p, q, base=2)``)."""
    p = p_counts / p_counts.sum()
    q = q_counts / q_counts.sum()
    m = (p + q) / 2

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log(x[mask] / m[mask])))

    divergence = (kl(p) + kl(q)) / 2 / math.log(2)
    return math.sqrt(max(divergence, 0.0))


def numeric_drift(reference: np.ndarray, current: np.ndarray) -> dict[str, float]:
    """KS (statistic, p-value), PSI, normalized Wasserstein and Jensen-Shannon of one feature."""
    a = np.sort(reference[~np.isnan(reference)])
    b = np.sort(current[~np.isnan(current)])
    if len(a) == 0 or len(b) == 0:
        raise GovernError("evidence_empty", "a feature has no non-empty values to compare")
    if max(len(a), len(b)) <= EXACT_KS_MAX_N:
        from scipy.stats import ks_2samp

        result = ks_2samp(a, b)
        d, p = float(result.statistic), float(result.pvalue)
    else:
        d = ks_statistic(a, b)
        p = ks_pvalue(d, len(a), len(b))
    edges = quantile_edges(a)
    ref_counts = binned_counts(a, edges)
    cur_counts = binned_counts(b, edges)
    scale = float(np.std(a))
    return {
        "ks_statistic": d,
        "ks_pvalue": p,
        "psi": psi(ref_counts, cur_counts),
        "wasserstein": wasserstein_sorted(a, b) / (scale if scale > 0 else 1.0),
        "jensen_shannon": jensen_shannon(ref_counts, cur_counts),
        "n_reference": len(a),
        "n_current": len(b),
    }


# -- categorical --------------------------------------------------------------------------------


def categorical_drift(reference: np.ndarray, current: np.ndarray) -> dict[str, float]:
    """Chi-square (statistic, p-value), PSI, Jensen-Shannon and unseen share of one feature."""
    import pandas as pd
    from scipy.special import chdtrc

    ref = pd.Series(reference).dropna().astype(str)
    cur = pd.Series(current).dropna().astype(str)
    if len(ref) == 0 or len(cur) == 0:
        raise GovernError("evidence_empty", "a feature has no non-empty values to compare")
    ref_counts = ref.value_counts()
    cur_counts = cur.value_counts()
    categories = ref_counts.index.union(cur_counts.index)
    r = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=np.float64)
    c = cur_counts.reindex(categories, fill_value=0).to_numpy(dtype=np.float64)
    table = np.vstack([r, c])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    dof = len(categories) - 1
    unseen = c[r == 0].sum() / c.sum()
    return {
        "chi2_statistic": chi2,
        "chi2_pvalue": float(chdtrc(dof, chi2)) if dof > 0 else 1.0,
        "psi": psi(r, c),
        "jensen_shannon": jensen_shannon(r, c),
        "unseen_share": float(unseen),
        "n_reference": len(ref),
        "n_current": len(cur),
    }


def _is_numeric(values: np.ndarray) -> bool:
    return values.dtype != bool and np.issubdtype(values.dtype, np.number)


# -- the check ----------------------------------------------------------------------------------


def decide(min_pvalue: float, *, review_p: float = 0.05, retrain_p: float = 0.01) -> str:
    """The retraining matrix: p > review_p monitor; retrain_p <= p <= review_p review; else retrain."""
    if min_pvalue > review_p:
        return "monitor"
    if min_pvalue >= retrain_p:
        return "review"
    return "retrain"


def drift(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    method: DriftMethod = "psi",
    threshold: float | None = None,
    review_p: float = 0.05,
    retrain_p: float = 0.01,
    score: str | None = None,
    workers: int = 2,
    progress: Progress | None = None,
) -> DriftMeasurement:
    """Per-feature drift of ``current`` against ``reference`` (two DataFrames).

    Parameters
    ----------
    reference, current:
        pandas DataFrames (or anything ``pandas.DataFrame`` accepts) with the same columns.
    columns:
        Features to compare (default: every reference column except ``score``).
    categorical:
        Columns to treat as categorical even when numeric; non-numeric columns always are.
    method:
        The statistic behind ``value``/``max_value`` and ``drifted`` (see ``METHOD_KEY``).
    threshold:
        A feature whose ``method`` statistic is >= ``threshold`` is drifted; without one, a
        feature whose KS / chi-square p-value is below ``retrain_p`` is.
    review_p, retrain_p:
        Cut-offs of the decision matrix over ``min_pvalue`` (see :func:`decide`).
    score:
        Name of the model score column; its PSI is ``prediction_psi`` (None without one).
    workers:
        Threads (numpy's sort and search release the GIL).

    Returns the :class:`~govern.measurements.DriftMeasurement`: per feature every statistic
    computed for its kind, the ``method`` statistic, the p-value and whether it drifted.

    Raises ``evidence_missing_column`` (a feature absent from ``current``), ``evidence_empty``,
    ``check_params_invalid``.
    """
    import pandas as pd

    if not 0 <= retrain_p <= review_p <= 1:
        raise GovernError("check_params_invalid", "need 0 <= retrain_p <= review_p <= 1")
    ref = reference if isinstance(reference, pd.DataFrame) else pd.DataFrame(reference)
    cur = current if isinstance(current, pd.DataFrame) else pd.DataFrame(current)
    names = [str(c) for c in (columns if columns is not None else ref.columns) if c != score]
    from govern.evidence import require_columns

    require_columns(ref, names)
    require_columns(cur, names)
    if not names:
        raise GovernError("check_params_invalid", "no feature to compare")
    if method not in METHOD_KEY:
        raise GovernError("check_params_invalid", f"unknown drift method {method!r}")
    # One batch through the partial statistics (govern.stats), with every distinct value kept:
    # in memory the exact statistics are affordable, and the code path is the streaming one.
    from govern.stats import Partials, Spec, measure_drift, profile_source

    from ._streamed import _arrow_frame

    with_score = [*names, score] if score is not None and score in ref.columns and score in cur.columns else names
    cap = max(len(ref), len(cur), 1)
    profiles, states = profile_source(
        _arrow_frame(ref, with_score, categorical), categorical=categorical, distinct_cap=cap
    )
    spec = Spec(features=profiles, distinct_cap=cap)
    reference_partials = Partials.assemble(spec, rows=len(ref), features=states.values())
    current_partials = Partials(spec).update(_arrow_frame(cur, with_score, categorical))
    return measure_drift(
        reference_partials,
        current_partials,
        features=names,
        method=method,
        threshold=threshold,
        review_p=review_p,
        retrain_p=retrain_p,
        score=score if with_score is not names else None,
        progress=progress,
    )


def _feature(
    stats: dict[str, float], statistic_name: str, statistic: float, pvalue: float, drifted: bool
) -> FeatureDrift:
    kind: Literal["numeric", "categorical"] = "numeric" if "ks_statistic" in stats else "categorical"
    return FeatureDrift(
        kind=kind,
        n_reference=int(stats["n_reference"]),
        n_current=int(stats["n_current"]),
        ks_statistic=stats.get("ks_statistic"),
        ks_pvalue=stats.get("ks_pvalue"),
        psi=stats.get("psi"),
        wasserstein=stats.get("wasserstein"),
        jensen_shannon=stats.get("jensen_shannon"),
        chi2_statistic=stats.get("chi2_statistic"),
        chi2_pvalue=stats.get("chi2_pvalue"),
        unseen_share=stats.get("unseen_share"),
        statistic_name=statistic_name,
        statistic=float(statistic),
        pvalue=float(pvalue),
        drifted=drifted,
    )
