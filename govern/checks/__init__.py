"""Checks: turn evidence into typed measurements (``govern.measurements``) that policy rules judge.

The gate calls :func:`run_check`; the ad-hoc CLI and notebooks call the pure functions.
Numbers equal fairlearn's, scipy's, scikit-learn's and shap's on the same input.
"""

from typing import TYPE_CHECKING, Any

from . import _codes as codes
from ._hygiene import documentation, lineage_hygiene
from ._registry import CHECKS, param_problems, run_check, validate_params
from ._vocab import FAIRNESS_METRICS, PERFORMANCE_METRICS, DriftMethod, FairnessMetric, PerformanceMetric, ProxyMethod

if TYPE_CHECKING:
    from govern.stats import decide, wilson_interval

    from ._drift import drift
    from ._explain import cramers_v, explain, explainability, importance_of, normalized_mutual_information
    from ._fairness import fairness
    from ._hygiene import DEFAULT_REQUIRED_FIELDS
    from ._llm import guardrails, llm_eval, redteam
    from ._performance import performance

# The numeric checks import numpy (and more), and the default card requirements read the card schema,
# so they load on first use: a gate that judges recorded measurements, and everything that only names
# a check, never needs them.
_LAZY = {
    "DEFAULT_REQUIRED_FIELDS": "_hygiene",
    "decide": "govern.stats",
    "drift": "_drift",
    "cramers_v": "_explain",
    "explain": "_explain",
    "explainability": "_explain",
    "importance_of": "_explain",
    "normalized_mutual_information": "_explain",
    "fairness": "_fairness",
    "llm_eval": "_llm",
    "redteam": "_llm",
    "guardrails": "_llm",
    "wilson_interval": "govern.stats",
    "performance": "_performance",
}

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # the gate's door
    "run_check",
    "validate_params",
    "param_problems",
    "CHECKS",
    # pure checks
    "fairness",
    "drift",
    "explain",
    "explainability",
    "performance",
    "documentation",
    "lineage_hygiene",
    "llm_eval",
    "redteam",
    "guardrails",
    # helpers and vocabularies
    "decide",
    "wilson_interval",
    "importance_of",
    "cramers_v",
    "normalized_mutual_information",
    "FairnessMetric",
    "FAIRNESS_METRICS",
    "DriftMethod",
    "ProxyMethod",
    "PerformanceMetric",
    "PERFORMANCE_METRICS",
    "DEFAULT_REQUIRED_FIELDS",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'govern.checks' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module if module.startswith("govern.") else f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
