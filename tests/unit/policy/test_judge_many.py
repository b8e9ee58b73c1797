"""judge_many gives exactly the judgements of BoundRule.judge, one rule at a time."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import govern.policy._cel as cel_module
from govern.core import resource_path
from govern.measurements import DriftMeasurement, Interval
from govern.policy import BoundRule, PackSet, judge_many, load_packs, prepare_facts
from govern.policy._cel import COST_BUDGET, compile_expression, fields_read, joint_expression, rename
from govern.policy._facts import count_elements
from govern.policy._packset import _max_elements

FACTS = {
    "model": {"name": "credit-risk", "version": 7, "tier": "high", "use_case": "credit", "card": {"intended_use": "x"}},
    "target": "production",
    "lineage": {
        "datasets": [{"name": "loans", "version": "4", "license": "internal", "contains_pii": True}],
        "runs": [{"id": "r1", "author": "bob", "code_commit": "abc"}],
    },
}


@pytest.fixture(scope="module")
def shipped() -> PackSet:
    return load_packs([resource_path("policies")])


@pytest.fixture(autouse=True)
def _no_wall_clock_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests compare answers, and the 50 ms wall-clock budget is a fact of the machine: one
    evaluation descheduled on a loaded machine (63 ms seen in CI) would be an error on one side
    only. The cost budget (elements, checked before evaluating) stays; the time budget's own test
    is in test_policy_eval.py."""
    monkeypatch.setattr(cel_module, "TIME_BUDGET_SECONDS", 60.0)


def _one_by_one(pairs: list[tuple[BoundRule, Any]], facts: Any) -> list[Any]:
    return [rule.judge(m, facts) for rule, m in pairs]


def _measurement(check: str, rng: random.Random) -> dict[str, Any]:
    """Every variable a shipped rule of ``check`` reads, with values that cross the thresholds."""
    u = rng.random
    groups = {g: {"count": float(rng.randrange(5, 60)), "selection_rate": u()} for g in "abc"}
    return {
        "value": u(),
        "inconclusive": False,
        "lower": u() * 0.2,
        "upper": u() * 0.2,
        "metrics": {"auc": u(), "brier": u() * 0.3, "calibration_error": u() * 0.2},
        "per_group": groups,
        "four_fifths_pass": u() < 0.5,
        "min_group_count": rng.randrange(5, 60),
        "max_value": u() * 0.4,
        "prediction_psi": u() * 0.4,
        "drifted": ["x"] * rng.randrange(4),
        "decision": rng.choice(["monitor", "review", "retrain"]),
        "protected_share": u() * 0.1,
        "proxy_share": u() * 0.2,
        "protected_in_top": [] if u() < 0.7 else ["sex"],
        "rank_stability": u(),
        "top_features": ["a"] if u() < 0.8 else [],
        "delta_lower": u() * 0.1 - 0.05,
        "has_champion": u() < 0.5,
        "complete": u() < 0.7,
    }


def _spoil(m: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Sometimes break the measurement the ways the gate can meet: each must stay per-rule exact."""
    roll = rng.random()
    if roll < 0.08:
        return {**m, "inconclusive": True}
    if roll < 0.16:
        return {k: v for k, v in m.items() if k != rng.choice(sorted(m))}  # a missing field
    if roll < 0.22:
        return {**m, "metrics": {"auc": 0.9}}  # a missing map key: an engine error
    if roll < 0.28:
        return {**m, "upper": "0.05", "value": None}  # wrong types
    if roll < 0.34:  # scalars of a neighbouring type (joint calls pack scalars into typed lists)
        return {**m, "complete": 1, "min_group_count": 30.0, "value": 1, "decision": 3, "has_champion": "no"}
    return m


def test_same_judgements_as_one_by_one_over_the_shipped_packs(shipped: PackSet) -> None:
    rng = random.Random(5)
    use_cases = ["credit", "hiring", "chatbot", "fraud", "recommendation", "emergency_triage", "social_scoring"]
    compared = 0
    for n in range(120):
        raw = {
            **FACTS,
            "model": {**FACTS["model"], "tier": "", "use_case": rng.choice(use_cases), "version": n},
            "lineage": {
                "datasets": [
                    {"name": f"d{i}", "license": rng.choice(["", "internal"]), "deprecated": rng.random() < 0.2}
                    for i in range(rng.randrange(0, 4))
                ],
                "runs": FACTS["lineage"]["runs"] if rng.random() < 0.8 else [],
            },
        }
        facts = prepare_facts(raw)
        facts = facts.with_tier(shipped.tier(facts).tier)
        for gate in ("promote", "retrain"):
            shared: dict[str, dict[str, Any]] = {}
            pairs = []
            for rule in shipped.applicable(facts, gate):
                key = rule.check if rng.random() < 0.7 else rule.qualified_id  # shared, or the rule's own
                if key not in shared:
                    shared[key] = _spoil(_measurement(rule.check, rng), rng)
                pairs.append((rule, shared[key]))
            assert judge_many(pairs, facts) == _one_by_one(pairs, facts)
            assert judge_many(pairs, raw) == _one_by_one(pairs, raw)  # unprepared facts too
            compared += len(pairs)
    assert compared > 1000


def test_one_member_error_does_not_change_the_others(shipped: PackSet) -> None:
    by_id = {r.qualified_id: r for r in shipped.rules}
    m = {"value": 0.9, "metrics": {"auc": 0.9}, "delta_lower": 0.0, "has_champion": False, "inconclusive": False}
    pairs = [(by_id["eu-ai-act/accuracy"], m), (by_id["baseline/performance-floor"], m)]
    got = judge_many(pairs, FACTS)
    assert [j.result for j in got] == ["error", "pass"]
    assert got == _one_by_one(pairs, FACTS)


def test_inconclusive_measurement_of_a_rule_that_reads_only_facts(shipped: PackSet) -> None:
    by_id = {r.qualified_id: r for r in shipped.rules}
    facts_only = by_id["baseline/prohibited-use"]  # documentation check, reads model only
    assert facts_only._program.variables == ("model",)
    pairs = [
        (facts_only, {"inconclusive": True}),
        (by_id["baseline/performance-floor"], {"value": 0.9, "inconclusive": False}),
    ]
    got = judge_many(pairs, FACTS)
    assert [j.result for j in got] == ["inconclusive", "pass"]
    assert got == _one_by_one(pairs, FACTS)


def test_bad_facts_and_bad_measurements(shipped: PackSet) -> None:
    r = next(r for r in shipped.rules if r.qualified_id == "baseline/card-complete")
    bad = {"model": {"name": ["not", "a", "string"]}}
    pairs: list[tuple[BoundRule, Any]] = [(r, {"complete": True}), (r, [1, 2]), (r, {"complete": True})]
    assert judge_many(pairs, bad) == _one_by_one(pairs, bad)
    assert judge_many(pairs, FACTS) == _one_by_one(pairs, FACTS)
    assert [j.result for j in judge_many(pairs, FACTS)] == ["pass", "error", "pass"]


def _drift(psi: float, intervals: dict[str, Interval]) -> DriftMeasurement:
    return DriftMeasurement(
        value=0.1, inconclusive=False, method="psi", max_value=0.1, min_pvalue=0.5, per_feature={},
        drifted=[], decision="monitor", review_p=0.05, retrain_p=0.01, has_score=True, prediction_psi=psi,
        intervals=intervals,
    )  # fmt: skip


def test_typed_measurements_shared_and_with_intervals(shipped: PackSet) -> None:
    drift = [r for r in shipped.rules if r.check == "drift"]
    plain = _drift(0.22, {})
    straddling = _drift(0.22, {"prediction_psi": Interval(0.2, 0.3)})
    pairs: list[tuple[BoundRule, Any]] = [(r, plain) for r in drift] + [(r, straddling) for r in drift]
    got = judge_many(pairs, FACTS)
    assert got == _one_by_one(pairs, FACTS)
    assert {"pass", "inconclusive"} <= {j.result for j in got}


def _pack(tmp_path: Path, rules: list[tuple[str, str, str]]) -> PackSet:
    lines = [
        "apiVersion: govern/v1",
        "kind: Policy",
        "metadata: {name: joint, controls: [iso-42001/a.7.5]}",
        "spec:",
        "  gates: [promote]",
        "  rules:",
    ]
    for rule_id, check, require in rules:
        lines += [f"    - id: {rule_id}", f"      check: {check}", f"      require: {require!r}", "      onFail: deny"]
    (tmp_path / "joint.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_packs([tmp_path / "joint.yaml"])


def test_variables_renamed_apart_keep_scoping_and_comments(tmp_path: Path) -> None:
    packset = _pack(
        tmp_path,
        [
            ("shadow", "drift", "drifted.exists(value, value == 'x') && value > 0.5"),
            ("field", "explainability", "value < 0.5 && top_features.all(f, f != 'value')"),
            ("comment", "drift", "value > 0.5 // the drift statistic"),
            ("facts", "lineage", "lineage.datasets.all(d, d.license != '') && complete"),
            ("budget", "lineage", "lineage.datasets.all(a, lineage.datasets.all(b, a.name != b.name || a == b))"),
        ],
    )
    rules = {r.id: r for r in packset.rules}
    drift = {"value": 0.7, "drifted": ["x"], "inconclusive": False}
    explain = {"value": 0.2, "top_features": ["a"], "inconclusive": False}
    lineage = {"complete": True, "violations": [], "inconclusive": False}
    pairs = [
        (rules["shadow"], drift),
        (rules["field"], explain),
        (rules["comment"], drift),
        (rules["facts"], lineage),
        (rules["budget"], lineage),
    ]
    small = prepare_facts(FACTS)
    assert [j.result for j in judge_many(pairs, small)] == ["pass", "pass", "pass", "pass", "pass"]
    assert judge_many(pairs, small) == _one_by_one(pairs, small)
    huge = prepare_facts({"model": {"name": "m"}, "lineage": {"datasets": [{"name": f"d{i}"} for i in range(5000)]}})
    got = judge_many(pairs, huge)
    assert got == _one_by_one(pairs, huge)
    assert got[4].code == "cel_budget_exceeded"


def test_rename_touches_variables_only() -> None:
    source = "value > 0.5 && x.value == 'value' && drifted.exists(value, value != '')"
    assert rename(source, {"value": "_j0_value"}) == (
        "_j0_value > 0.5 && x.value == 'value' && drifted.exists(_j0_value, _j0_value != '')"
    )


def test_joint_expression_refuses_what_it_cannot_bind_apart() -> None:
    own = compile_expression("value > 0.5", scope="drift")
    assert joint_expression((("drift", own.source, ()),)) is None  # a measurement variable not renamed
    taken = "drifted.exists(_j0_value, _j0_value == 'x')"
    assert joint_expression((("drift", taken, ()),)) is None  # the prefix is already in use
    assert joint_expression((("drift", own.source, (("value", "_j0_value"),)),)) is not None


def test_a_cached_plan_is_reused_only_while_the_pairs_share_as_it_expects(shipped: PackSet) -> None:
    # The plan of a list of rules is found again from the rules alone while each pair shares its
    # measurement with the same pairs; two measurements where it expects one must not be bound as one.
    by_id = {r.qualified_id: r for r in shipped.rules}
    floor, validity = by_id["baseline/performance-floor"], by_id["nist-ai-rmf/validity"]  # value >= 0.60, 0.65
    one = {"value": 0.62, "inconclusive": False}
    high, low = {"value": 0.9, "inconclusive": False}, {"value": 0.5, "inconclusive": False}

    class Measured(dict[str, Any]):
        pass

    calls: list[list[tuple[BoundRule, Any]]] = [
        [(floor, one), (validity, one)],  # shared
        [(floor, high), (validity, low)],  # apart, where the last plan shares
        [(floor, low), (validity, high)],
        [(floor, one), (validity, one)],  # shared, where the last plan binds apart: still exact
        [(floor, high), (validity, Measured(low))],  # not a dict
        [(floor, low), (validity, low), (floor, high), (validity, high)],
        [(floor, low), (validity, high), (floor, high), (validity, low)],
    ]
    for pairs in calls * 2:
        assert judge_many(pairs, FACTS) == _one_by_one(pairs, FACTS)
    assert [j.result for j in judge_many(calls[1], FACTS)] == ["pass", "fail"]
    assert [j.result for j in judge_many(calls[0], FACTS)] == ["pass", "fail"]


def test_the_precomputed_budget_is_the_cost_estimate_boundary() -> None:
    for source, scope in [
        ("lineage.datasets.all(d, d.license != '')", "lineage"),
        ("lineage.datasets.all(a, lineage.datasets.all(b, a.name != b.name || a == b))", "lineage"),
        ("per_group.all(g, per_group[g].all(k, per_group[g][k] >= 30.0)) && upper <= 0.1", "fairness"),
    ]:
        program = compile_expression(source, scope=scope)
        most = _max_elements(program)
        assert program.cost_estimate(most) <= COST_BUDGET < program.cost_estimate(most + 1)


def _lineage_facts(datasets: int, *, odd: bool = False) -> Any:
    """Facts with ``datasets`` datasets (two elements each), and one more of three when ``odd``."""
    listed = [{"name": f"d{i}"} for i in range(datasets)] + ([{"name": "x", "license": "y"}] if odd else [])
    return prepare_facts({"model": {"name": "m"}, "lineage": {"datasets": listed}})


def test_budgets_at_their_boundary_as_one_by_one(tmp_path: Path) -> None:
    packset = _pack(
        tmp_path,
        [
            ("facts", "lineage", "lineage.datasets.all(a, lineage.datasets.all(b, a.name != b.name || a == b))"),
            ("scalar", "lineage", "complete && lineage.datasets.all(a, lineage.datasets.all(b, a == b || true))"),
            ("groups", "fairness", "per_group.all(g, per_group.all(h, per_group[g]['count'] >= 30.0)) && upper <= 0.1"),
            ("plain", "fairness", "upper <= 0.1"),
        ],
    )
    rules = {r.id: r for r in packset.rules}
    lineage = {"complete": True, "inconclusive": False}
    for rule in (rules["facts"], rules["scalar"]):
        most = _max_elements(rule._program)  # it reads one fact variable: the size limit itself
        by_size = {
            facts.collection_size: facts
            for n in range(most // 2 - 8, most // 2 + 2)
            for facts in (_lineage_facts(n), _lineage_facts(n, odd=True))
        }
        assert {most - 1, most, most + 1} <= by_size.keys()
        for size in (most - 1, most, most + 1):
            facts = by_size[size]
            pairs = [(rule, lineage), (rules["plain"], {"upper": 0.05})]
            got = judge_many(pairs, facts)
            assert got == _one_by_one(pairs, facts)
            assert got[0].result == ("pass" if size <= most else "error")
    groups_most = _max_elements(rules["groups"]._program)  # it reads no fact: per_group's elements count
    small = _lineage_facts(0)
    for elements in (groups_most - 1, groups_most, groups_most + 1):
        per_group: dict[str, Any] = {f"g{i}": {"count": 40.0} for i in range(elements // 2 - elements % 2)}
        if elements % 2:
            per_group["odd"] = {"count": 40.0, "selection_rate": 0.5}
        assert count_elements(per_group) == elements
        fairness = {"per_group": per_group, "upper": 0.05, "inconclusive": False}
        pairs = [(rules["groups"], fairness), (rules["plain"], fairness)]
        got = judge_many(pairs, small)
        assert got == _one_by_one(pairs, small)
        assert got[0].result == ("pass" if elements <= groups_most else "error")


def test_a_scalar_variable_holding_a_collection_counts_for_the_budget(tmp_path: Path) -> None:
    # ``decision`` is declared a string; a list in its place still makes the estimate large (the
    # rule alone says cel_budget_exceeded) while the expression would answer false || ... .
    packset = _pack(
        tmp_path,
        [
            ("either", "drift", "decision == 'x' || lineage.datasets.exists(d, d.name == 'd0')"),
            ("plain", "drift", "value < 0.5"),
        ],
    )
    rules = {r.id: r for r in packset.rules}
    facts = _lineage_facts(3)
    for decision in ["x", "monitor", ["x"] * 3, ["x"] * 200_000]:
        drift = {"decision": decision, "value": 0.1, "inconclusive": False}
        pairs = [(rules["either"], drift), (rules["plain"], drift)]
        got = judge_many(pairs, facts)
        assert got == _one_by_one(pairs, facts)
    assert got[0].code == "cel_budget_exceeded"


def test_count_elements_counts_every_list_and_map_element() -> None:
    class Frozen(Mapping[str, Any]):
        def __init__(self, data: dict[str, Any]) -> None:
            self._data = data

        def __getitem__(self, key: str) -> Any:
            return self._data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self._data)

        def __len__(self) -> int:
            return len(self._data)

    def reference(value: Any) -> int:
        if isinstance(value, Mapping):
            return len(value) + sum(reference(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return len(value) + sum(reference(v) for v in value)
        return 0

    samples: list[Any] = [
        1,
        "abc",
        None,
        [],
        {},
        [1, [2, 3], {"a": [4]}],
        (1, (2,), Frozen({"a": {"b": [1, 2]}})),
        {"a": {"b": {"c": [1, 2, 3]}}, "d": 2.0, "e": (None, b"x")},
        {1, 2, 3},  # not counted: not a list or a map
    ]
    for value in samples:
        assert count_elements(value) == reference(value), value


def test_facts_prepared_in_one_thread_share_its_arenas(shipped: PackSet) -> None:
    import threading

    from govern.policy._facts import ARENA_EVALUATIONS

    first, second = prepare_facts(FACTS), prepare_facts({**FACTS, "target": "staging"})
    assert first.arenas is second.arenas
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(prepare_facts(FACTS)))
    thread.start()
    thread.join()
    assert other[0].arenas is not first.arenas
    rule = next(r for r in shipped.rules if r.qualified_id == "baseline/performance-floor")
    pairs: list[tuple[BoundRule, Any]] = [(rule, {"value": 0.9, "inconclusive": False})] * 2
    for facts in [first, second, other[0]] * (ARENA_EVALUATIONS + 1):  # arenas replaced on the way
        assert [j.result for j in judge_many(pairs, facts)] == ["pass", "pass"]
        assert rule.judge(pairs[0][1], facts).result == "pass"


def test_fields_read_of_a_fact_variable() -> None:
    assert fields_read("model.tier != 'x' && 'a' in model.card", "model") == {"tier", "card"}
    assert fields_read("has(model.tier) || x.model == 'model'", "model") == {"tier"}  # a field, a string
    assert fields_read("lineage.datasets.exists(model, model.name == '')", "model") is None  # a binder: whole
    assert fields_read("value > 0.5", "model") == frozenset()
    assert fields_read("model == model", "model") is None
    assert fields_read("[model][0].tier == 'x'", "model") is None
    assert fields_read("model.", "model") is None


def test_messages_trimmed_to_the_fields_read_judge_the_same(tmp_path: Path) -> None:
    packset = _pack(
        tmp_path,
        [
            ("tier", "documentation", "model.tier != 'prohibited' && complete"),
            ("card", "documentation", "'intended_use' in model.card"),
            ("datasets", "lineage", "lineage.datasets.all(d, d.license != '') && complete"),
            ("whole", "lineage", "model == model && size(lineage.runs) > 0"),
        ],
    )
    rules = {r.id: r for r in packset.rules}
    facts = prepare_facts({**FACTS, "model": {**FACTS["model"], "tags": {"domain": "hr"}, "owner": "ann"}})
    documentation = {"complete": True, "inconclusive": False}
    lineage = {"complete": True, "inconclusive": False}
    partial = [(rules["tier"], documentation), (rules["card"], documentation), (rules["datasets"], lineage)]
    assert judge_many(partial, facts) == _one_by_one(partial, facts)
    assert [j.result for j in judge_many(partial, facts)] == ["pass", "pass", "pass"]
    assert set(facts._trimmed) == {("model", frozenset({"tier", "card"})), ("lineage", frozenset({"datasets"}))}
    model = facts.trimmed(("model", frozenset({"tier", "card"})))
    assert (model.tier, dict(model.card).keys(), model.owner, dict(model.tags)) == ("high", {"intended_use"}, "", {})
    assert facts.model.owner == "ann"  # the facts' own message is untouched
    whole = [*partial, (rules["whole"], lineage)]
    fresh = prepare_facts(FACTS)
    assert judge_many(whole, fresh) == _one_by_one(whole, fresh)
    assert fresh._trimmed == {}  # model read whole, lineage's both fields read: no trimmed copy
