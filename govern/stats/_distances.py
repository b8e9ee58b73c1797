"""Two-sample distances read from sorted samples and count vectors (scipy's definitions).

* KS statistic: the largest gap between the two empirical CDFs, evaluated (as scipy does) at
  every observed value, ties included. The p-value is scipy's ``kstwo.sf(D, round(m n /
  (m + n)))``, its slow exact branch summed vectorized (:func:`kstwo_sf`).
* PSI of two count vectors over the same bins: an empty bin's share is floored at 1e-4 before
  ``sum((q - p) * ln(q / p))`` (smoothing).
* Jensen-Shannon distance (base 2, in [0, 1]), unsmoothed, as scipy's ``jensenshannon``.
* Wasserstein-1 from the quantile functions (the integral of |Q_a - Q_b| over [0, 1], with
  exact integer breakpoints), as scipy's ``wasserstein_distance``.
"""

from __future__ import annotations

import math

import numpy as np

PSI_FLOOR = 1e-4


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
    """Two-sided p-value of KS statistic ``d`` as scipy's ``ks_2samp(method='auto')`` (for more
    than 10,000 rows a side: ``kstwo.sf(d, round(m n / (m + n)))``)."""
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return float(np.clip(kstwo_sf(d, int(np.round(en))), 0, 1))


SMIRNOV_EXACT_MAX_N = 1_000_000  # scipy's smirnov sums the exact series up to here, then goes asymptotic


def kstwo_sf(x: float, n: int) -> float:
    """scipy's ``kstwo.sf(x, n)``; its slow branch computed as one vectorized sum.

    For n > 140 and 2.2 <= n x^2 < 370 scipy returns ``2 smirnov(n, x)``, and its ``smirnov``
    sums the exact Birnbaum-Tingey series term by term for n up to 10^6 (~1 s at n = 10^6).
    The same series is summed here vectorized (:func:`smirnov_sum`), equal to scipy's within
    ~1e-13 relative, in ~1 ms at n = 5 x 10^5 instead of ~0.7 s.
    """
    from scipy.stats import distributions

    t = n * x
    nxsquared = t * x
    if 140 < n <= SMIRNOV_EXACT_MAX_N and 2.2 <= nxsquared < 370.0 and 1.0 < t < n - 1 and x < 0.5:
        return min(max(2.0 * smirnov_sum(n, x), 0.0), 1.0)
    return float(distributions.kstwo.sf(x, n))


def smirnov_sum(n: int, d: float) -> float:
    """P(D_n+ >= d), the exact one-sided tail (Birnbaum-Tingey):
    ``d * sum_j C(n, j) (d + j/n)^(j-1) (1 - d - j/n)^(n-j)`` over j = 0 .. floor(n (1 - d)).

    Each term is ``binom.pmf(j; n, p_j) / p_j`` with ``p_j = d + j/n``, its log taken in
    Loader's saddle-point form (Stirling remainders and deviances, no large logs cancelling),
    so every term is good to ~1e-14 relative; all terms are positive.

    For large n the terms form one smooth bump, of width W (from its curvature at the top) in
    the thousands: the sum over every integer j then equals the sum over every h-th j times h
    up to an error of order exp(-2 pi^2 (W / h)^2) (Poisson summation), nil at h = W / 32. That
    is used only when the terms at both ends are negligible (below e^-60 of the top); else every
    term is summed.
    """
    nd = n * d
    last = math.floor(n - nd)
    first_term = n * math.log1p(-d) - math.log(d)  # j = 0
    step = _smirnov_step(n, nd, last)
    j = np.arange(1, last + 1, step, dtype=np.float64)
    terms = _smirnov_log_terms(n, nd, j)
    top = max(float(terms.max()), first_term)
    total = step * float(np.exp(terms - top).sum()) + math.exp(first_term - top)
    return math.exp(math.log(d) + top + math.log(total))


def _smirnov_log_terms(n: int, nd: float, j: np.ndarray) -> np.ndarray:
    """log of the Birnbaum-Tingey terms j >= 1 (see :func:`smirnov_sum`); -inf where a term is 0."""
    rest = n - j
    with np.errstate(divide="ignore", invalid="ignore"):
        deviance = (nd - j * np.log1p(nd / j)) + (-rest * np.log1p(-nd / rest) - nd)
        out = (
            _stirlerr(np.asarray([float(n)]))[0]
            - _stirlerr(j)
            - _stirlerr(rest)
            - deviance
            + 0.5 * np.log(n / (j * rest))
            - _HALF_LOG_2PI
            - np.log((nd + j) / n)
        )
    logs: np.ndarray = np.nan_to_num(out, nan=-np.inf)
    return logs


def _smirnov_step(n: int, nd: float, last: int) -> int:
    """The stride at which summing the terms (times the stride) is exact to rounding; 1 when
    the terms are not one smooth bump far from both ends."""
    if last < 4096:
        return 1
    coarse = np.linspace(1.0, float(last), 257)
    logs = _smirnov_log_terms(n, nd, coarse)
    i = int(np.argmax(logs))
    top = float(logs[i])
    if not 0 < i < len(coarse) - 1 or max(logs[0], logs[-1]) > top - 60:
        return 1
    s = (coarse[1] - coarse[0]) / 8
    around = _smirnov_log_terms(n, nd, np.asarray([coarse[i] - s, coarse[i], coarse[i] + s]))
    curvature = float(around[0] - 2 * around[1] + around[2]) / (s * s)
    if not curvature < 0:
        return 1
    return max(1, int(1 / math.sqrt(-curvature) / 32))


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _stirlerr(k: np.ndarray) -> np.ndarray:
    """log(k!) - (k + 1/2) log k + k - log(2 pi)/2 (Stirling's remainder), k >= 1."""
    from scipy.special import gammaln

    out = np.empty_like(k)
    small = k < 16
    ks = k[small]
    out[small] = gammaln(ks + 1) - (ks + 0.5) * np.log(ks) + ks - _HALF_LOG_2PI
    inv = 1.0 / k[~small]
    inv2 = inv * inv
    out[~small] = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))
    return out


def wasserstein_sorted(a_sorted: np.ndarray, b_sorted: np.ndarray) -> float:
    """Wasserstein-1 distance of two sorted samples: integral of |Q_a(t) - Q_b(t)| dt."""
    n1, n2 = len(a_sorted), len(b_sorted)
    if n1 == n2:
        return float(np.mean(np.abs(a_sorted - b_sorted)))
    # Breakpoints of both quantile functions on the common grid 1 / (n1 n2), as integers.
    ticks = np.union1d(np.arange(n1, dtype=np.int64) * n2, np.arange(n2, dtype=np.int64) * n1)
    widths = np.diff(np.append(ticks, n1 * n2)) / (n1 * n2)
    return float(np.sum(widths * np.abs(a_sorted[ticks // n2] - b_sorted[ticks // n1])))


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
