"""Group fairness of in-memory arrays, with a multinomial bootstrap.

One ``bincount`` over ``group * 4 + y_true * 2 + y_pred`` turns the rows into the confusion-count
cube ``[tn, fp, fn, tp]`` per group; :func:`govern.stats.measure_cells` measures the cube (the
code path of streamed datasets and partials too), so numbers equal fairlearn's ``MetricFrame``
on the same input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from govern.core import GovernError
from govern.measurements import FairnessMeasurement
from govern.stats import measure_cells

from ._codes import CHECK_PARAMS_INVALID, EVIDENCE_EMPTY, EVIDENCE_LABEL_NOT_BINARY, EVIDENCE_LENGTH_MISMATCH
from ._vocab import FAIRNESS_METRICS, FairnessMetric

Progress = Callable[[int, int], None]


def confusion_cells(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Counts shaped (groups, 4): [tn, fp, fn, tp] per group, by one ``bincount``."""
    key = groups.astype(np.int64) * 4 + y_true.astype(np.int64) * 2 + y_pred.astype(np.int64)
    return np.bincount(key, minlength=n_groups * 4).reshape(n_groups, 4)


def _as_groups(sensitive: Any) -> tuple[np.ndarray, list[str]]:
    """Group codes and labels from an array, a {name: array} mapping or a DataFrame."""
    import pandas as pd

    if isinstance(sensitive, pd.DataFrame):
        frame = sensitive
    elif isinstance(sensitive, Mapping):
        frame = pd.DataFrame({str(k): np.asarray(v) for k, v in sensitive.items()})
    else:
        frame = pd.DataFrame({"sensitive": np.asarray(sensitive)})
    from govern.evidence import group_codes

    return group_codes(frame, list(frame.columns))


def _binary(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == bool:
        return array.astype(np.int8)
    if not (np.issubdtype(array.dtype, np.number) and np.isin(array, (0, 1)).all()):
        raise GovernError(EVIDENCE_LABEL_NOT_BINARY, f"{what} must be 0/1 or boolean")
    return array.astype(np.int8)


def fairness(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive: Any,
    metric: FairnessMetric = "demographic_parity_difference",
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    min_group_size: int = 30,
    progress: Progress | None = None,
) -> FairnessMeasurement:
    """Group fairness of binary predictions, with a bootstrap confidence interval.

    Parameters
    ----------
    y_true, y_pred:
        0/1 (or boolean) labels and hard predictions, one per row.
    sensitive:
        One array, or a mapping/DataFrame of several columns; several columns are intersected
        (group labels ``"Female, Black"``).
    metric:
        The headline ``value`` (and the CI bounds ``lower``/``upper``).
    confidence, replicates, seed:
        Percentile bootstrap over rows (multinomial over confusion cells; seeded, so the same
        input gives the same interval). ``replicates=0`` skips it (``lower == upper == value``).
    min_group_size:
        A smallest group below this makes the result ``inconclusive``.

    Returns
    -------
    The :class:`~govern.measurements.FairnessMeasurement`: the headline and its bootstrap
    interval, all six metrics, and per group the confusion counts, rates and a Wilson interval
    per rate at ``confidence``.

    Raises ``GovernError`` ``evidence_length_mismatch``, ``evidence_label_not_binary``,
    ``check_params_invalid``.
    """
    if metric not in FAIRNESS_METRICS:
        raise GovernError(CHECK_PARAMS_INVALID, f"unknown fairness metric {metric!r}")
    if not 0 < confidence < 1:
        raise GovernError(CHECK_PARAMS_INVALID, "confidence must be between 0 and 1")
    yt = _binary(y_true, "the label")
    yp = _binary(y_pred, "the prediction")
    groups, labels = _as_groups(sensitive)
    if not len(yt) == len(yp) == len(groups):
        raise GovernError(
            EVIDENCE_LENGTH_MISMATCH,
            f"label, prediction and sensitive columns differ in length ({len(yt)}, {len(yp)}, {len(groups)})",
        )
    if len(yt) == 0:
        raise GovernError(EVIDENCE_EMPTY, "no rows to evaluate")
    cells = confusion_cells(yt, yp, groups, len(labels))
    return measure_cells(
        cells,
        labels,
        sensitive=_names(sensitive),
        metric=metric,
        confidence=confidence,
        replicates=replicates,
        seed=seed,
        min_group_size=min_group_size,
        progress=progress,
    )


def _names(sensitive: Any) -> list[str]:
    if hasattr(sensitive, "columns"):
        return [str(c) for c in sensitive.columns]
    if isinstance(sensitive, Mapping):
        return [str(k) for k in sensitive]
    return ["sensitive"]
