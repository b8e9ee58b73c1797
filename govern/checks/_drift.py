"""Distribution drift between a reference and a current sample, per feature.

The statistics, as ``govern.stats`` computes them (exactly here: every distinct value is kept):

* KS statistic: the largest gap between the two empirical CDFs, evaluated (as scipy does) at
  every observed value, ties included. The p-value is scipy's: the exact distribution when
  both samples have at most 10,000 rows (``ks_2samp`` itself), else ``kstwo.sf(D, round(m n /
  (m + n)))``, whose slow exact series govern sums vectorized (equal to ~1e-13 relative).
  Past 65,536 distinct values the states are gridded, and the exact D and W1 are then read
  from the samples in memory by opening only the grid cells that can matter
  (:func:`govern.stats._measure.refine_exact`): no full sort.
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

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from govern.core import GovernError
from govern.measurements import DriftMeasurement

from ._codes import CHECK_PARAMS_INVALID
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
Progress = Callable[[int, int], None]


def quantile_edges(reference_sorted: np.ndarray, bins: int = PSI_BINS) -> np.ndarray:
    """Inner PSI bin edges: the reference's quantiles at 1/bins ... (bins-1)/bins, deduplicated."""
    return np.unique(np.quantile(reference_sorted, np.linspace(0, 1, bins + 1)[1:-1]))


def binned_counts(values_sorted: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts in right-closed bins (-inf, e0], (e0, e1], ..., (e_last, inf) of a sorted sample."""
    cuts = np.searchsorted(values_sorted, edges, side="right")
    return np.diff(np.concatenate(([0], cuts, [len(values_sorted)])))


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
        raise GovernError(CHECK_PARAMS_INVALID, "need 0 <= retrain_p <= review_p <= 1")
    ref = reference if isinstance(reference, pd.DataFrame) else pd.DataFrame(reference)
    cur = current if isinstance(current, pd.DataFrame) else pd.DataFrame(current)
    names = [str(c) for c in (columns if columns is not None else ref.columns) if c != score]
    from govern.evidence import require_columns

    require_columns(ref, names)
    require_columns(cur, names)
    if not names:
        raise GovernError(CHECK_PARAMS_INVALID, "no feature to compare")
    if method not in METHOD_KEY:
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown drift method {method!r}")
    # The streaming code path (govern.stats) over the loaded tables; since the samples are in
    # memory, every gridded numeric statistic is then made exact from them (refine_exact).
    from govern.stats import Partials, Spec, collect_local, measure_drift, profile_source

    from ._streamed import _arrow_frame

    with_score = [*names, score] if score is not None and score in ref.columns and score in cur.columns else names
    ref_table = _arrow_frame(ref, with_score, categorical)
    cur_table = _arrow_frame(cur, with_score, categorical)
    profiles, states = profile_source(ref_table, categorical=categorical, workers=workers)
    spec = Spec(features=profiles)
    reference_partials = Partials.assemble(spec, rows=len(ref), features=states.values())
    current_partials = collect_local(cur_table, spec, workers=workers)

    def samples(name: str) -> tuple[np.ndarray, np.ndarray] | None:
        out = []
        for table in (ref_table, cur_table):
            if not _is_float(table.schema.field(name).type):
                return None
            x = table.column(name).to_numpy()
            x = x[~np.isnan(x)] if np.isnan(x).any() else x
            if not np.isfinite(x).all():
                return None  # infinities: the gridded bounds stand
            out.append(x)
        return out[0], out[1]

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
        samples=samples,
        workers=workers,
    )


def _is_float(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_floating(kind))
