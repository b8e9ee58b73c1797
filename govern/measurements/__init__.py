"""Measurements: one typed record per check, the contract between checks, policy and reports.

Checks return these types; the gate ledgers their ``to_json()``; policy rules see their
``to_cel()``, whose CEL types the policy room declares from :func:`cel_declarations`;
reports read them back with :func:`measurement_from_json` and only format. Imports only
``govern.core``. Reference: docs/measurements.md (generated from these classes).
"""

from . import _codes as codes
from ._base import Interval, Record, Threshold, cel_type_of
from ._contract import (
    CHECKS,
    MEASUREMENT_TYPES,
    cel_declarations,
    measurement_from_json,
    measurement_type,
    recorded_cel,
)
from ._docs import reference_markdown
from ._types import (
    FAIRNESS_METRICS,
    FEATURE_STATISTICS,
    GROUP_RATES,
    AttackRate,
    Check,
    DocumentationMeasurement,
    DriftMeasurement,
    ExplainabilityMeasurement,
    FairnessMeasurement,
    FairnessMetric,
    FeatureDrift,
    GroupStats,
    GuardrailsMeasurement,
    LineageMeasurement,
    LLMEvalMeasurement,
    Measurement,
    PassRate,
    PerformanceMeasurement,
    RedTeamMeasurement,
)

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # the measurement types, one per check
    "Measurement",
    "FairnessMeasurement",
    "DriftMeasurement",
    "ExplainabilityMeasurement",
    "PerformanceMeasurement",
    "DocumentationMeasurement",
    "LineageMeasurement",
    "LLMEvalMeasurement",
    "RedTeamMeasurement",
    "GuardrailsMeasurement",
    # nested records
    "PassRate",
    "AttackRate",
    "GroupStats",
    "FeatureDrift",
    "Interval",
    "Threshold",
    "Record",
    # vocabularies
    "FairnessMetric",
    "FAIRNESS_METRICS",
    # the contract as a whole
    "Check",
    "CHECKS",
    "MEASUREMENT_TYPES",
    "measurement_type",
    "measurement_from_json",
    "recorded_cel",
    "cel_declarations",
    "cel_type_of",
    "reference_markdown",
    # vocabularies
    "GROUP_RATES",
    "FEATURE_STATISTICS",
]
