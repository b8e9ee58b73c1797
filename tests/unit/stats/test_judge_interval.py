"""The gate judges a gridded statistic's interval: a rule whose threshold it straddles is inconclusive."""

from __future__ import annotations

import pytest

from govern.core import resource_path
from govern.measurements import DriftMeasurement, Interval
from govern.policy import load_packs

FACTS = {
    "model": {"name": "credit-risk", "version": 7, "tier": "high", "use_case": "credit", "card": {}},
    "target": "production",
    "lineage": {"datasets": [], "runs": []},
}


def _drift(value: float, interval: Interval | None) -> DriftMeasurement:
    return DriftMeasurement(
        has_score=False,
        value=value,
        inconclusive=False,
        method="ks",
        max_value=value,
        min_pvalue=0.0,
        per_feature={},
        drifted=[],
        decision="review",
        review_p=0.05,
        retrain_p=0.01,
        prediction_psi=0.01,
        intervals={} if interval is None else {"value": interval, "max_value": interval},
    )


@pytest.mark.parametrize(
    ("interval", "result"),
    [
        (None, "pass"),
        (Interval(0.2, 0.24), "pass"),
        (Interval(0.2, 0.3), "inconclusive"),
        (Interval(0.26, 0.3), "fail"),
    ],
)
def test_interval_straddling_the_threshold_is_inconclusive(interval: Interval | None, result: str) -> None:
    rule = next(r for r in load_packs([resource_path("policies")]).rules if r.qualified_id.endswith("drift-monitoring"))
    point = 0.22 if interval is None or interval.lower < 0.25 else 0.28
    judgement = rule.judge(_drift(point, interval), FACTS)
    assert judgement.result == result, judgement.message
