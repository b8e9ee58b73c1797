"""The web inbox's chart geometry, checked against scipy and against the lineage it draws."""

from __future__ import annotations

import pytest

from govern.api.web._charts import drift_chart, fairness_chart, lineage_diagram, wilson_interval


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (1234, 1395), (1, 1), (50, 51)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    from scipy.stats import binomtest

    expected = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k / n, n)
    assert lo == pytest.approx(expected.low, abs=1e-12)
    assert hi == pytest.approx(expected.high, abs=1e-12)


def test_wilson_interval_without_observations_is_everything() -> None:
    assert wilson_interval(0.0, 0) == (0.0, 1.0)


def test_fairness_chart_bars_whiskers_and_four_fifths_guide() -> None:
    chart = fairness_chart(
        {"per_group": {"B": {"count": 100.0, "selection_rate": 0.5}, "A": {"count": 400.0, "selection_rate": 0.75}}}
    )
    assert chart is not None
    assert [b.label for b in chart.bars] == ["A", "B"]
    a, b = chart.bars
    assert a.width == pytest.approx(chart.plot_width * 0.75)
    assert a.lo_x < chart.left + a.width < a.hi_x  # the whisker spans the bar's end
    assert (b.hi - b.lo) > (a.hi - a.lo)  # fewer observations, wider interval
    assert chart.guides[0].x == pytest.approx(chart.left + chart.plot_width * 0.6)  # 0.8 * 0.75
    assert fairness_chart({"value": 0.1}) is None


def test_drift_chart_sorts_by_psi_and_flags_drifted_features() -> None:
    chart = drift_chart(
        {"per_feature": {"age": {"psi": 0.02}, "income": {"psi": 0.4}, "zip": {"psi": 0.1}}, "drifted": ["income"]}
    )
    assert chart is not None
    assert [(b.label, b.flagged) for b in chart.bars] == [("income", True), ("zip", False), ("age", False)]
    assert chart.bars[0].width == pytest.approx(chart.plot_width)  # the axis ends at 0.4


def test_lineage_diagram_edges_all_point_right() -> None:
    nodes = [
        {"ref": r, "kind": k, "name": r.split(":")[-1], "version": None}
        for r, k in [("dataset:raw", "dataset"), ("feature:f", "feature"), ("run:train", "run"), ("m@1", "model")]
    ]
    edges = [
        {"from": "dataset:raw", "to": "feature:f", "kind": "derived_from"},
        {"from": "feature:f", "to": "run:train", "kind": "consumed"},
        {"from": "dataset:raw", "to": "run:train", "kind": "consumed"},
        {"from": "run:train", "to": "m@1", "kind": "produced"},
    ]
    diagram = lineage_diagram(nodes, edges, "m@1")
    x = {b.ref: b.x for b in diagram.boxes}
    assert x["dataset:raw"] < x["feature:f"] < x["run:train"] < x["m@1"]
    assert [b.ref for b in diagram.boxes if b.root] == ["m@1"]
    assert len(diagram.links) == 4
    assert max(b.x for b in diagram.boxes) + diagram.box_width <= diagram.width
