"""cel-python (pure Python, interpreted) as a test oracle: NOT used to evaluate policies.

The differential tests and ``bench/policy.py`` evaluate the same expressions over the same
activations with both engines; they must agree. Facts are given to the oracle as the dicts
the typed fact messages stand for (absent fields filled with their empty values), so both
engines see the same data. ``celpy`` is a dev dependency and is imported lazily. Only its
interpreted runner is used (its compiled runner generates Python; we never execute that).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from google.protobuf import json_format

from govern.policy import Facts


@cache
def _environment() -> Any:
    # cel-python keeps one parser per process: create exactly one environment, the interpreted one.
    import celpy

    return celpy.Environment(runner_class=celpy.InterpretedRunner)


class OracleProgram:
    """One expression compiled by cel-python's interpreted runner."""

    def __init__(self, source: str) -> None:
        env = _environment()
        self.source = source
        self._runner = env.program(env.compile(source))

    def evaluate(self, activation: Mapping[str, Any]) -> bool | None:
        """True/False, or None when cel-python reports an error or a non-bool."""
        from celpy import celtypes
        from celpy.adapter import json_to_cel
        from celpy.evaluation import CELEvalError

        context = {name: json_to_cel(value) for name, value in activation.items()}
        try:
            result = self._runner.evaluate(context)
        except CELEvalError:
            return None
        if isinstance(result, celtypes.BoolType):
            return bool(result)
        return None


def oracle_facts(facts: Facts) -> dict[str, Any]:
    """The facts as plain dicts, with every absent field at its empty value (as CEL sees them)."""

    def plain(message: Any) -> dict[str, Any]:
        return json_format.MessageToDict(  # type: ignore[no-any-return]
            message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )

    return {"model": plain(facts.model), "lineage": plain(facts.lineage), "target": facts.target}
