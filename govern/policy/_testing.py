"""``govern policy test``: run each pack's ``tests/`` fixtures against the compiled pack.

A case gives facts, the gate, and measurements keyed by check name (shared by every rule of
that check) or by rule id (for one rule), merged over the file's default measurements. It
expects a tier, per-rule results and a verdict; every mismatch is a failure with a diff.
A rule is *exercised* when some case states an expected result for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.core import GovernError

from ._facts import prepare_facts
from ._load import ParamsValidator, _validate
from ._packset import BoundRule, Judgement, PackSet, verdict
from ._problems import PolicyInvalid, Problem
from ._schema import Gate


@dataclass(frozen=True, slots=True)
class TestFailure:
    """One case whose outcome differs from what it expects."""

    pack: str
    case: str
    location: str
    diff: tuple[str, ...]  # lines: "- expected" / "+ actual"


@dataclass(frozen=True, slots=True)
class PolicyTestReport:
    """What ``run_policy_tests`` found. ``ok`` when no case failed."""

    cases: int
    failures: tuple[TestFailure, ...]
    unexercised: tuple[str, ...]  # qualified rule ids no case states a result for
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.failures


def _merge(base: dict[str, dict[str, Any]], over: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {k: dict(v) for k, v in base.items()}
    for key, values in over.items():
        out[key] = {**out.get(key, {}), **values}
    return out


def run_policy_tests(paths: Sequence[Path], *, check_params: ParamsValidator | None = None) -> PolicyTestReport:
    """Run the ``PolicyTest`` documents of the packs at ``paths``, each against its own pack.

    Raises :class:`PolicyInvalid` when a pack (or a test file) has problems, including bad
    check parameters when ``check_params`` is given (see ``validate_paths``): tests of an
    invalid pack prove nothing.
    """
    validated, problems = _validate(paths, check_params)
    if problems:
        raise PolicyInvalid(problems)
    failures: list[TestFailure] = []
    exercised: set[str] = set()
    all_rules: list[str] = []
    cases = 0
    for v in validated:
        assert v.pack is not None
        packset = PackSet((v.pack,))
        all_rules.extend(r.qualified_id for r in packset.rules)
        for doc, test in v.tests:
            for i, case in enumerate(test.spec.cases):
                cases += 1
                at = doc.pos(("spec", "cases", i))
                location = f"{doc.file}:{at.line}:{at.col}"
                diff = _run_case(packset, test.spec.gate, test.spec.measurements, case)
                exercised.update(
                    f"{v.name}/{rid}" for rid, want in case.expect.rules.items() if want != "not_applicable"
                )
                if diff:
                    failures.append(TestFailure(v.name, case.name, location, tuple(diff)))
    unexercised = tuple(r for r in all_rules if r not in exercised)
    return PolicyTestReport(cases, tuple(failures), unexercised)


def _run_case(packset: PackSet, default_gate: Gate, defaults: dict[str, dict[str, Any]], case: Any) -> list[str]:
    diff: list[str] = []
    try:
        facts = prepare_facts(case.facts)
        has_tiering = any(p.tiering is not None for p in packset.packs)
        if has_tiering:
            tier = packset.tier(facts)
            if case.expect.tier is not None and tier.tier != case.expect.tier:
                diff += [f"- tier: {case.expect.tier}", f"+ tier: {tier.tier} (by {tier.rule_id})"]
            if not facts.tier:
                facts = facts.with_tier(tier.tier)
        elif case.expect.tier is not None:
            diff.append(f"- tier: {case.expect.tier}  (this pack defines no tiering)")
        measurements = _merge(defaults, case.measurements)
        rules = packset.applicable(facts, case.gate or default_gate)
    except GovernError as err:
        return [f"+ error: {err}"]
    judged: list[tuple[BoundRule, Judgement]] = []
    for rule in rules:
        measurement = {**measurements.get(rule.check, {}), **measurements.get(rule.id, {})}
        judged.append((rule, rule.judge(measurement, facts)))
    results = {rule.id: j for rule, j in judged}
    for rule_id, expected in sorted(case.expect.rules.items()):
        got = results.get(rule_id)
        actual = got.result if got else "not_applicable"
        if actual != expected:
            detail = f"  ({got.message})" if got else ""
            diff += [f"- {rule_id}: {expected}", f"+ {rule_id}: {actual}{detail}"]
    if case.expect.verdict is not None:
        actual_verdict = verdict(judged)
        if actual_verdict != case.expect.verdict:
            diff += [f"- verdict: {case.expect.verdict}", f"+ verdict: {actual_verdict}"]
    return diff
