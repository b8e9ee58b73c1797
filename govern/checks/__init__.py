"""Checks: turn evidence into typed measurements (``govern.measurements``) that policy rules judge.

The gate calls :func:`run_check`; the ad-hoc CLI and notebooks call the pure functions.
Numbers equal fairlearn's, scipy's, scikit-learn's and shap's on the same input.
"""

from govern.stats import FAIRNESS_METRICS, FairnessMetric, decide, wilson_interval

from ._drift import DriftMethod, drift
from ._explain import ProxyMethod, cramers_v, explain, explainability, importance_of, normalized_mutual_information
from ._fairness import fairness
from ._hygiene import DEFAULT_REQUIRED_FIELDS, documentation, lineage_hygiene
from ._performance import PERFORMANCE_METRICS, PerformanceMetric, performance
from ._registry import CHECKS, param_problems, run_check, validate_params

__all__ = [
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
