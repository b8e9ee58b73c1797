"""The KS p-value's slow branch, summed vectorized, equals scipy's kstwo.sf on every branch."""

from __future__ import annotations

import math

import pytest
from scipy.special import smirnov
from scipy.stats import distributions

from govern.stats._distances import kstwo_sf, smirnov_sum

CASES = [
    (n, nx2)
    for n in (100, 141, 142, 5_000, 60_000, 300_000)
    for nx2 in (0.3, 2.19, 2.2, 4.0, 20.0, 150.0, 369.0, 371.0)
    if nx2 < n  # a statistic below 1
]


@pytest.mark.parametrize(("n", "nx2"), CASES)
def test_kstwo_sf_equals_scipy(n: int, nx2: float) -> None:
    x = math.sqrt(nx2 / n)
    expected = float(distributions.kstwo.sf(x, n))
    assert kstwo_sf(x, n) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_smirnov_sum_is_scipys_exact_series() -> None:
    for n, d in [(1_000, 0.05), (250_000, 0.004), (1_000_000, 0.0017)]:
        assert smirnov_sum(n, d) == pytest.approx(float(smirnov(n, d)), rel=1e-12)
