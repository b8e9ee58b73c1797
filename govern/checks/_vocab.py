"""The checks' closed vocabularies, apart from the numeric modules so that naming them (the
``with`` parameter models, a gate over recorded measurements) does not import numpy."""

from __future__ import annotations

from typing import Literal

from govern.measurements import FAIRNESS_METRICS as FAIRNESS_METRICS
from govern.measurements import FairnessMetric as FairnessMetric

PerformanceMetric = Literal["auc", "accuracy", "f1", "log_loss", "brier", "calibration_error"]
PERFORMANCE_METRICS: tuple[str, ...] = PerformanceMetric.__args__  # type: ignore[attr-defined]
DriftMethod = Literal["psi", "ks", "wasserstein", "jensen_shannon", "chi2"]
ProxyMethod = Literal["cramers_v", "mutual_information"]
