"""The contract as a whole: check name -> measurement type, and what the policy room declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, get_args

from govern.core import GovernError

from ._codes import UNKNOWN_CHECK
from ._types import (
    Check,
    DocumentationMeasurement,
    DriftMeasurement,
    ExplainabilityMeasurement,
    FairnessMeasurement,
    GuardrailsMeasurement,
    LineageMeasurement,
    LLMEvalMeasurement,
    Measurement,
    PerformanceMeasurement,
    RedTeamMeasurement,
)

CHECKS: Final[tuple[str, ...]] = get_args(Check)

MEASUREMENT_TYPES: Final[Mapping[str, type[Measurement]]] = {
    t.CHECK: t
    for t in (
        FairnessMeasurement,
        ExplainabilityMeasurement,
        DriftMeasurement,
        PerformanceMeasurement,
        DocumentationMeasurement,
        LineageMeasurement,
        LLMEvalMeasurement,
        RedTeamMeasurement,
        GuardrailsMeasurement,
    )
}
assert tuple(MEASUREMENT_TYPES) == CHECKS


def measurement_type(check: str) -> type[Measurement]:
    """The measurement type of ``check``; ``GovernError(unknown_check)`` for another name."""
    try:
        return MEASUREMENT_TYPES[check]
    except KeyError:
        raise GovernError(UNKNOWN_CHECK, f"no check named {check!r} (known: {', '.join(CHECKS)})") from None


def cel_declarations() -> dict[str, dict[str, str]]:
    """Check -> {variable: CEL type}: what a rule of that check may name (derived from the types)."""
    return {check: t.cel_variables() for check, t in MEASUREMENT_TYPES.items()}


def measurement_from_json(check: str, data: Any) -> Measurement:
    """A ledgered measurement (``to_json()`` output) of ``check`` as its type.

    Raises ``GovernError(measurement_invalid)`` naming the field when ``data`` does not match
    (for example a measurement recorded by an older release that lacks a field).
    """
    return measurement_type(check).from_json(data)


def recorded_cel(check: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The CEL variables of a ledgered measurement of ``check``, for re-judging it.

    A record of the current type gives its ``to_cel()``; a record older than the type (earlier
    releases ledgered the CEL variables themselves) is returned as it was.
    """
    try:
        return measurement_from_json(check, data).to_cel()
    except GovernError:
        return data
