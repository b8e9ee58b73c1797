"""Thresholds found in a rule's require at compile time (what reports show as the rule's limit)."""

from __future__ import annotations

import pytest

from govern.measurements import Threshold
from govern.policy._cel import compile_expression


@pytest.mark.parametrize(
    ("check", "source", "expected"),
    [
        ("fairness", "upper <= 0.10 && per_group.all(g, per_group[g]['count'] >= 30.0)", [("upper", "<=", 0.1)]),
        ("fairness", "0.8 <= value", [("value", ">=", 0.8)]),
        ("performance", "!has_champion || delta_lower > -0.02", [("delta_lower", ">", -0.02)]),
        (
            "drift",
            "max_value < 0.25 && prediction_psi < 0.25",
            [("max_value", "<", 0.25), ("prediction_psi", "<", 0.25)],
        ),
        ("fairness", "min_group_count >= 30", [("min_group_count", ">=", 30.0)]),
        ("performance", "value >= 0.75 && metrics['brier'] <= 0.20", [("value", ">=", 0.75)]),
        # not thresholds: arithmetic operands, negations, non-literals, fields of maps
        ("fairness", "1.0 - value <= 0.2", []),
        ("fairness", "value <= 0.1 * 2.0", []),
        ("fairness", "!(value <= 0.1)", []),
        ("fairness", "value <= params.max", []),
        ("fairness", "metrics['demographic_parity_difference'] <= 0.1", []),
        ("documentation", "complete", []),
    ],
)
def test_thresholds_from_the_token_stream(check: str, source: str, expected: list[tuple[str, str, float]]) -> None:
    program = compile_expression(source, scope=check)
    assert program.thresholds == tuple(Threshold(variable=v, op=o, value=x) for v, o, x in expected)


def test_facts_expressions_have_no_thresholds() -> None:
    assert compile_expression("model.tier == 'high'", scope="facts").thresholds == ()
