"""CEL evaluation fails closed, enforces its limits and stays within budget."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import govern.policy._cel as cel_module
from govern.policy import COST_BUDGET, BoundRule, PackSet, judge_many, load_packs, prepare_facts
from govern.policy._cel import CelCompileError, compile_expression, measure_shape

HERE = Path(__file__).parent
FACTS = {
    "model": {"name": "credit-risk", "version": 7, "tier": "high", "use_case": "credit", "card": {"intended_use": "x"}},
    "target": "production",
    "lineage": {"datasets": [{"name": "loans", "version": "4", "license": "internal"}], "runs": []},
}


@pytest.fixture(scope="module")
def shipped() -> PackSet:
    from govern.core import resource_path

    return load_packs([resource_path("policies")])


def rule(packset: PackSet, qualified_id: str) -> BoundRule:
    return next(r for r in packset.rules if r.qualified_id == qualified_id)


def test_pass_and_fail(shipped: PackSet) -> None:
    r = rule(shipped, "eu-ai-act/demographic-parity")
    assert r.judge({"upper": 0.05}, FACTS).result == "pass"
    assert r.judge({"upper": 0.15}, FACTS).result == "fail"


def test_missing_measurement_field_is_an_error_with_rule_id(shipped: PackSet) -> None:
    judgement = rule(shipped, "eu-ai-act/demographic-parity").judge({"value": 0.01}, FACTS)
    assert judgement.result == "error"
    assert judgement.code == "measurement_missing_field"
    assert "eu-ai-act/demographic-parity" in judgement.message


def test_missing_map_key_is_an_error_not_a_truthy_value(shipped: PackSet) -> None:
    # cel-expr-python returns an ERROR-typed value (whose text is truthy) for a missing key.
    r = rule(shipped, "eu-ai-act/accuracy")  # reads metrics['calibration_error']
    judgement = r.judge({"value": 0.9, "metrics": {"auc": 0.9}}, FACTS)
    assert (judgement.result, judgement.code) == ("error", "cel_eval_error")


def test_wrong_measurement_type_is_an_error(shipped: PackSet) -> None:
    judgement = rule(shipped, "eu-ai-act/demographic-parity").judge({"upper": "0.05"}, FACTS)
    assert judgement.result == "error"


def test_null_measurement_value_is_an_error(shipped: PackSet) -> None:
    assert rule(shipped, "baseline/performance-floor").judge({"value": None}, FACTS).result == "error"


def test_inconclusive_is_never_pass(shipped: PackSet) -> None:
    judgement = rule(shipped, "eu-ai-act/demographic-parity").judge({"upper": 0.0, "inconclusive": True}, FACTS)
    assert judgement.result == "inconclusive"


def test_non_mapping_measurement_is_an_error(shipped: PackSet) -> None:
    assert rule(shipped, "baseline/card-complete").judge([1, 2], FACTS).result == "error"  # type: ignore[arg-type]


def test_bad_facts_are_an_error_not_an_exception(shipped: PackSet) -> None:
    bad = {"model": {"name": ["not", "a", "string"]}}
    assert rule(shipped, "baseline/card-complete").judge({"complete": True}, bad).result == "error"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("value <= " + " + ".join(["1.0"] * 600), "cel_too_large"),
        ("(" * 13 + "true" + ")" * 13, "cel_too_deep"),
        ("top_features.all(a, top_features.all(b, top_features.all(c, a != c)))", "cel_comprehension_too_deep"),
        ("value", "cel_not_bool"),
        ("params.enabled", "cel_not_bool"),  # dyn is not bool: write `params.enabled == true`
        ("value <= 1", "cel_type_error"),
        ("nope", "cel_undeclared_reference"),
        ("model.tierr == ''", "cel_unknown_field"),
        ("value <=", "cel_syntax_error"),
    ],
)
def test_compile_errors(source: str, code: str) -> None:
    with pytest.raises(CelCompileError) as info:
        compile_expression(source, scope="explainability")
    assert info.value.issues[0].code == code


def test_comprehension_depth_counts_macros_only() -> None:
    shape = measure_shape("size(top_features) > 0 && top_features.exists(f, f in ['a', 'b'])")
    assert shape.comprehension_depth == 1
    assert measure_shape("has(model.card.x) && (value > 0.0)").comprehension_depth == 0


def test_cost_bomb_that_passes_validation_is_stopped_within_budget() -> None:
    packset = load_packs([HERE / "packs" / "costbomb_passes_validation.yaml"])
    bomb = next(r for r in packset.rules if r.id == "distinct-datasets")
    small = {"model": {"name": "m"}, "lineage": {"datasets": [{"name": f"d{i}"} for i in range(10)]}}
    assert bomb.judge({"violations": []}, small).result == "pass"

    huge = prepare_facts({"model": {"name": "m"}, "lineage": {"datasets": [{"name": f"d{i}"} for i in range(5000)]}})
    started = time.perf_counter()
    judgement = bomb.judge({"violations": []}, huge)
    elapsed = time.perf_counter() - started
    assert (judgement.result, judgement.code) == ("error", "cel_budget_exceeded")
    assert "costbomb/distinct-datasets" in judgement.message
    assert elapsed < 0.5  # refused before evaluating, not after 25 million comparisons

    growth = next(r for r in packset.rules if r.id == "string-growth")
    judgement = growth.judge({"violations": ["x" * 100] * 2000}, huge)
    assert judgement.code == "cel_budget_exceeded"


def test_budget_estimate_admits_realistic_rules(shipped: PackSet) -> None:
    # The shipped high-tier fairness rule over 50 groups is far below the budget.
    r = rule(shipped, "nist-ai-rmf/fairness-high")
    groups = {f"g{i}": {"count": 100.0, "selection_rate": 0.5} for i in range(50)}
    assert r.judge({"upper": 0.05, "per_group": groups}, FACTS).result == "pass"
    assert r._program.cost_estimate(150) < COST_BUDGET


def test_prepared_facts_equal_plain_facts(shipped: PackSet) -> None:
    prepared = prepare_facts(FACTS)
    for r in shipped.applicable(prepared, "promote"):
        m = {"value": 0.9, "upper": 0.01, "complete": True}
        assert r.judge(m, prepared) == r.judge(m, FACTS)


def test_combine_is_fail_closed_whatever_on_fail_says():
    from govern.policy import combine

    assert combine([]) == "allow"
    assert combine([("warn", "fail")]) == "allow"
    assert combine([("warn", "inconclusive")]) == "review"
    assert combine([("warn", "error")]) == "deny"
    assert combine([("review", "fail"), ("retrain", "fail")]) == "retrain"
    assert combine([("retrain", "fail"), ("deny", "fail"), ("review", "pass")]) == "deny"


def test_an_evaluation_over_the_wall_clock_budget_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    packset = load_packs([HERE / "packs" / "costbomb_passes_validation.yaml"])
    rule = next(r for r in packset.rules if r.id == "distinct-datasets")
    small = {"model": {"name": "m"}, "lineage": {"datasets": [{"name": f"d{i}"} for i in range(10)]}}
    assert rule.judge({"violations": []}, small).result == "pass"
    monkeypatch.setattr(cel_module, "TIME_BUDGET_SECONDS", 0.0)  # every evaluation is now over it
    for judgement in (rule.judge({"violations": []}, small), judge_many([(rule, {"violations": []})], small)[0]):
        assert (judgement.result, judgement.code) == ("error", "cel_budget_exceeded"), judgement
        assert "evaluation took" in judgement.message
