"""The checks' closed vocabularies, apart from the numeric modules so that naming them (the
``with`` parameter models, a gate over recorded measurements) does not import numpy."""

from __future__ import annotations

from typing import Literal

FairnessMetric = Literal[
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
]
FAIRNESS_METRICS: tuple[str, ...] = FairnessMetric.__args__  # type: ignore[attr-defined]
PerformanceMetric = Literal["auc", "accuracy", "f1", "log_loss", "brier", "calibration_error"]
PERFORMANCE_METRICS: tuple[str, ...] = PerformanceMetric.__args__  # type: ignore[attr-defined]
DriftMethod = Literal["psi", "ks", "wasserstein", "jensen_shannon", "chi2"]
ProxyMethod = Literal["cramers_v", "mutual_information"]
