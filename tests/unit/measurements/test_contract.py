"""The measurement contract: one declaration from which CEL types, JSON and docs derive."""

from __future__ import annotations

import pytest

from govern.core import GovernError
from govern.measurements import (
    CHECKS,
    MEASUREMENT_TYPES,
    DriftMeasurement,
    FairnessMeasurement,
    FeatureDrift,
    GroupStats,
    Interval,
    cel_declarations,
    measurement_from_json,
)
from govern.policy import MEASUREMENTS


def _group(n: int = 100) -> GroupStats:
    return GroupStats(
        count=n, tn=40, fp=10, fn=20, tp=30, selection_rate=0.4, true_positive_rate=0.6, false_positive_rate=0.2,
        false_negative_rate=0.4, precision=0.75, accuracy=0.7, intervals={"selection_rate": Interval(0.31, 0.5)},
    )  # fmt: skip


def _fairness() -> FairnessMeasurement:
    return FairnessMeasurement(
        value=0.1, inconclusive=False, metric="demographic_parity_difference", lower=0.05, upper=0.15,
        metrics={"demographic_parity_difference": 0.1}, per_group={"a": _group(), "b": _group()},
        four_fifths_pass=True, min_group_count=100, min_group_size=30, groups=["a", "b"], sensitive=["sex"],
        confidence=0.95, replicates=1000,
    )  # fmt: skip


def test_every_check_has_a_type_and_the_policy_room_declares_exactly_its_variables() -> None:
    assert set(MEASUREMENT_TYPES) == set(CHECKS)
    assert cel_declarations() == MEASUREMENTS
    for check, variables in MEASUREMENTS.items():
        assert {"value", "inconclusive"} <= set(variables), check


def test_json_round_trips_and_intervals_are_two_element_lists() -> None:
    m = _fairness()
    data = m.to_json()
    assert data["per_group"]["a"]["intervals"] == {"selection_rate": [0.31, 0.5]}
    assert data["per_group"]["a"]["count"] == 100
    assert measurement_from_json("fairness", data) == m


def test_cel_form_has_the_declared_variables_and_flat_group_maps() -> None:
    cel = _fairness().to_cel()
    assert set(cel) == set(MEASUREMENTS["fairness"])
    assert cel["per_group"]["a"] == {**{k: float(v) for k, v in
                                        {"count": 100, "tn": 40, "fp": 10, "fn": 20, "tp": 30}.items()},
                                     "selection_rate": 0.4, "true_positive_rate": 0.6, "false_positive_rate": 0.2,
                                     "false_negative_rate": 0.4, "precision": 0.75, "accuracy": 0.7}  # fmt: skip


def test_an_absent_statistic_is_absent_everywhere_never_zero() -> None:
    feature = FeatureDrift(
        kind="categorical",
        n_reference=10,
        n_current=10,
        chi2_statistic=3.0,
        chi2_pvalue=0.2,
        psi=0.1,
        jensen_shannon=0.05,
        unseen_share=0.0,
        statistic_name="chi2_statistic",
        statistic=3.0,
        pvalue=0.2,
        drifted=False,
    )
    m = DriftMeasurement(
        value=3.0,
        inconclusive=False,
        method="ks",
        max_value=3.0,
        min_pvalue=0.2,
        per_feature={"c": feature},
        drifted=[],
        decision="monitor",
        review_p=0.05,
        retrain_p=0.01,
        has_score=False,
    )
    assert "ks_statistic" not in m.to_json()["per_feature"]["c"] and "prediction_psi" not in m.to_json()
    assert m.to_cel()["prediction_psi"] == 0.0 and not m.to_cel()["has_score"]
    assert m.to_cel()["per_feature"]["c"] == {"chi2_statistic": 3.0, "chi2_pvalue": 0.2, "psi": 0.1,
                                              "jensen_shannon": 0.05, "unseen_share": 0.0}  # fmt: skip
    assert DriftMeasurement.from_json(m.to_json()) == m


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.pop("lower"), "fairness.lower: missing"),
        (lambda d: d.update(min_group_count="7"), "fairness.min_group_count"),
        (lambda d: d["per_group"]["a"].pop("tp"), "fairness.per_group.a.tp: missing"),
        (lambda d: d["per_group"]["a"]["intervals"].update(selection_rate=[0.1]), "intervals.selection_rate"),
    ],
)
def test_from_json_names_the_bad_field(change: object, where: str) -> None:
    data = _fairness().to_json()
    change(data)  # type: ignore[operator]
    with pytest.raises(GovernError) as err:
        measurement_from_json("fairness", data)
    assert err.value.code == "measurement_invalid" and where in err.value.message


def test_unknown_check() -> None:
    with pytest.raises(GovernError) as err:
        measurement_from_json("vibes", {})
    assert err.value.code == "unknown_check"
