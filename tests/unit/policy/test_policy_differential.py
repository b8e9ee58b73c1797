"""cel-expr-python (the engine) and cel-python (the oracle) agree on every shipped expression.

Every rule of a pack is evaluated over every case of that pack's fixtures, with each numeric
measurement also scaled (x0.5, x1.5) to cross thresholds; tiering rules and appliesTo.when
over every case's facts. Results compared: true / false / error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("celpy")

from cel_oracle import OracleProgram, oracle_facts

from govern.core import resource_path
from govern.policy import prepare_facts
from govern.policy._cel import run
from govern.policy._load import _validate
from govern.policy._testing import _merge

PACK_PATHS = [resource_path("policies")]


def _scaled(measurement: dict[str, Any], factor: float) -> dict[str, Any]:
    return {k: (v * factor if isinstance(v, float) else v) for k, v in measurement.items()}


def _cases() -> Iterator[tuple[str, Any, dict[str, Any], dict[str, dict[str, Any]]]]:
    validated, problems = _validate(PACK_PATHS)
    assert not problems
    for v in validated:
        assert v.pack is not None
        for _, test in v.tests:
            for case in test.spec.cases:
                yield v.name, v.pack, case.facts, _merge(test.spec.measurements, case.measurements)


CASES = list(_cases())


def _engine(program: Any, data: dict[str, Any], facts: Any) -> bool | None:
    typed = {"model": facts.model, "lineage": facts.lineage, "target": facts.target}
    bound = {name: typed.get(name, data.get(name)) for name in program.variables if name in typed or name in data}
    if len(bound) < len(program.variables):
        return None
    return run(program, bound, collection_elements=0).value


def test_corpus_is_not_trivial() -> None:
    assert len(CASES) >= 30


def test_rules_agree() -> None:
    compared = disagreements = 0
    oracles: dict[str, OracleProgram] = {}
    report = []
    for pack_name, pack, raw_facts, measurements in CASES:
        facts = prepare_facts(raw_facts)
        plain = oracle_facts(facts)
        for policy in pack.policies:
            for rule in policy.rules:
                base = {**measurements.get(rule.check, {}), **measurements.get(rule.id, {})}
                for factor in (1.0, 0.5, 1.5):
                    m = _scaled(base, factor)
                    data = {**m, "params": rule.params}
                    ours = _engine(rule._program, data, facts)
                    oracle = oracles.setdefault(rule.require, OracleProgram(rule.require))
                    theirs = oracle.evaluate({**dict(data.items()), **plain})
                    compared += 1
                    if ours != theirs:
                        disagreements += 1
                        report.append(f"{pack_name}/{rule.id} x{factor}: engine={ours} oracle={theirs}")
    assert compared > 1000
    assert not report, "\n".join(report[:20])


@pytest.mark.parametrize("kind", ["tiering", "when"])
def test_fact_expressions_agree(kind: str) -> None:
    programs = []
    for _, pack, _, _ in CASES:
        if kind == "tiering":
            programs += [t.program for t in pack.tiering or ()]
        else:
            programs += [p.when for p in pack.policies if p.when is not None]
    assert programs
    unique = {p.source: p for p in programs}
    for _, _, raw_facts, _ in CASES:
        facts = prepare_facts(raw_facts)
        plain = oracle_facts(facts)
        for source, program in unique.items():
            assert _engine(program, {}, facts) == OracleProgram(source).evaluate(plain), source
