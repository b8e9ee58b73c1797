"""Explainability: global SHAP importance, protected attributes and their proxies.

Importance of a feature is its mean absolute SHAP value (for the positive class). Tree models
(gradient boosting, forests, LightGBM) go through shap's ``TreeExplainer`` (exact, fast);
anything else through shap's ``PermutationExplainer`` on the positive-class probability with a
bounded background (``max_background`` rows) over a bounded random sample (``max_samples``
rows), explained in batches so progress can be shown. Precomputed SHAP values (one column per
feature) can stand in for the model.

A proxy is a non-protected feature whose association with a protected attribute reaches
``proxy_threshold``: Cramer's V (no bias correction, as ``scipy.stats.contingency.association``)
or normalized mutual information (arithmetic mean of the entropies, as scikit-learn's
``normalized_mutual_info_score``), numeric features cut into reference deciles first.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from govern.core import GovernError
from govern.measurements import ExplainabilityMeasurement

from ._codes import EVIDENCE_WRONG_TYPE, EXPLAIN_MODEL_FAILED
from ._vocab import ProxyMethod

Progress = Callable[[int, int], None]
BATCH = 50


def _positive_class(values: Any) -> np.ndarray:
    """SHAP values (n, features) of the positive class from shap's several output shapes."""
    if isinstance(values, list):
        values = values[-1]
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 3:
        array = array[..., -1]
    return array


def model_features(model: Any, frame: Any, *, exclude: Sequence[str] = ()) -> list[str]:
    """The model's input columns: ``feature_names_in_`` when it has them, else the frame's."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [str(c) for c in frame.columns if c not in set(exclude)]


def shap_values(
    model: Any,
    features: Any,
    *,
    max_background: int = 50,
    max_samples: int = 500,
    permutations: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[np.ndarray, str]:
    """SHAP values (rows, features) of the positive class, and the explainer used.

    Tree models: ``TreeExplainer`` on every row. Others: ``PermutationExplainer`` over at most
    ``max_samples`` rows with ``max_background`` background rows (both drawn with ``seed``) and
    ``permutations`` feature permutations per row: at most
    ``max_samples * permutations * (2 * features + 1) * max_background`` model evaluations.
    Raises ``explain_model_failed`` when the model cannot score the data.
    """
    import shap

    try:
        explainer = shap.TreeExplainer(model)
    except Exception:  # noqa: BLE001 - shap raises assorted types for "not a tree model"
        explainer = None
    if explainer is not None:
        try:
            with warnings.catch_warnings():
                # shap announces its LightGBM output layout on every call; _positive_class handles both.
                warnings.simplefilter("ignore", UserWarning)
                values = explainer.shap_values(features)
        except Exception as exc:  # noqa: BLE001
            raise GovernError(EXPLAIN_MODEL_FAILED, f"TreeExplainer failed: {exc}") from None
        if progress is not None:
            progress(len(features), len(features))
        return _positive_class(values), "tree"
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = features if isinstance(features, pd.DataFrame) else pd.DataFrame(features)
    columns = list(frame.columns)
    # shap's maskers need numbers: non-numeric columns travel as category codes and are
    # decoded before the model sees them.
    decoders: dict[str, np.ndarray] = {}
    encoded = pd.DataFrame(index=frame.index)
    for column in columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and series.dtype != bool:
            encoded[column] = series.astype(np.float64)
        else:
            codes, uniques = pd.factorize(series)
            encoded[column] = codes.astype(np.float64)
            decoders[column] = np.asarray(uniques, dtype=object)
    matrix = encoded.to_numpy()
    sample = matrix[np.sort(rng.choice(len(matrix), min(max_samples, len(matrix)), replace=False))]
    background = matrix[rng.choice(len(matrix), min(max_background, len(matrix)), replace=False)]

    def predict(rows: np.ndarray) -> np.ndarray:
        batch = pd.DataFrame(rows, columns=columns)
        for column, uniques in decoders.items():
            batch[column] = uniques[batch[column].to_numpy().astype(np.int64)]
        proba = model.predict_proba(batch.astype(frame.dtypes.to_dict()))
        return np.asarray(proba)[:, -1]

    try:
        predict(background[:1])
    except Exception as exc:  # noqa: BLE001
        raise GovernError(EXPLAIN_MODEL_FAILED, f"the model cannot score the data: {exc}") from None
    masker = shap.maskers.Independent(background, max_samples=len(background))
    explainer = shap.PermutationExplainer(predict, masker, seed=seed)
    out = []
    for start in range(0, len(sample), BATCH):
        part = explainer(sample[start : start + BATCH], max_evals=permutations * (2 * len(columns) + 1), silent=True)
        out.append(np.asarray(part.values, dtype=np.float64))
        if progress is not None:
            progress(min(start + BATCH, len(sample)), len(sample))
    return _positive_class(np.concatenate(out)), "permutation"


def importance_of(values: Any, feature_names: Sequence[str]) -> dict[str, float]:
    """Mean absolute SHAP value per feature."""
    array = _positive_class(values)
    if array.ndim != 2 or array.shape[1] != len(feature_names):
        raise GovernError(EVIDENCE_WRONG_TYPE, "SHAP values must have one column per feature")
    if not np.isfinite(array).all():
        raise GovernError(EVIDENCE_WRONG_TYPE, "SHAP values must be finite numbers")
    means = np.abs(array).mean(axis=0)
    return {str(name): float(v) for name, v in zip(feature_names, means, strict=True)}


def _codes(values: Any, bins: int = 10) -> np.ndarray:
    """Category codes: deciles for numeric values, factor codes otherwise."""
    import pandas as pd

    series = pd.Series(values)
    if series.dtype != bool and pd.api.types.is_numeric_dtype(series) and series.nunique() > bins:
        array = series.to_numpy(dtype=np.float64)
        edges = np.unique(np.quantile(array, np.linspace(0, 1, bins + 1)[1:-1]))
        return np.searchsorted(edges, array, side="left")
    return pd.factorize(series.astype(str))[0]


def contingency(a: Any, b: Any) -> np.ndarray:
    """Counts table of two variables (numeric ones cut into deciles)."""
    ca, cb = _codes(a), _codes(b)
    table = np.bincount(ca * (cb.max() + 1) + cb, minlength=(ca.max() + 1) * (cb.max() + 1))
    table = table.reshape(ca.max() + 1, cb.max() + 1)
    return np.asarray(table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0])


def cramers_v(table: np.ndarray) -> float:
    """Cramer's V of a counts table (scipy's ``association(method='cramer')``)."""
    if min(table.shape) < 2:
        return 0.0
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    return math.sqrt(chi2 / (n * (min(table.shape) - 1)))


def normalized_mutual_information(table: np.ndarray) -> float:
    """NMI of a counts table, arithmetic normalization (scikit-learn's default)."""
    n = table.sum()
    p = table / n
    pa, pb = p.sum(axis=1), p.sum(axis=0)
    nz = p > 0
    mi = float(np.sum(p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])))
    ha = -float(np.sum(pa[pa > 0] * np.log(pa[pa > 0])))
    hb = -float(np.sum(pb[pb > 0] * np.log(pb[pb > 0])))
    if ha == 0 or hb == 0:
        return 1.0 if ha == hb else 0.0
    return max(mi, 0.0) / ((ha + hb) / 2)


def rank_stability(importance: Mapping[str, float], champion: Mapping[str, float] | None) -> float:
    """Spearman rank correlation of importance with the champion's over common features."""
    if not champion:
        return 1.0
    common = [f for f in importance if f in champion]
    if len(common) < 2:
        return 1.0
    from scipy.stats import spearmanr

    rho = spearmanr([importance[f] for f in common], [champion[f] for f in common]).statistic
    return 0.0 if rho is None or math.isnan(rho) else float(rho)


def explainability(
    importance: Mapping[str, float],
    *,
    data: Any = None,
    protected: Sequence[str] = (),
    proxy_method: ProxyMethod = "cramers_v",
    proxy_threshold: float = 0.5,
    top_k: int = 10,
    champion_importance: Mapping[str, float] | None = None,
    explainer: str = "explanation",
) -> ExplainabilityMeasurement:
    """The explainability measurement from a feature -> importance map.

    ``data`` (a DataFrame holding the features and the ``protected`` columns) is needed to find
    proxies; without it ``proxy_share`` is 0. Returns the
    :class:`~govern.measurements.ExplainabilityMeasurement` (``proxies``: feature -> strongest
    association); ``explainer`` says where the importance came from.
    """
    total = float(sum(importance.values()))
    ranked = sorted(importance, key=lambda f: (-importance[f], f))
    protected_set = set(protected)
    proxies: dict[str, float] = {}
    if data is not None and protected:
        from govern.evidence import require_columns

        require_columns(data, list(protected))
        measure = cramers_v if proxy_method == "cramers_v" else normalized_mutual_information
        for feature in ranked:
            if feature in protected_set or feature not in data.columns:
                continue
            strength = max(measure(contingency(data[feature], data[p])) for p in protected)
            if strength >= proxy_threshold:
                proxies[feature] = strength

    def share(names: Sequence[str]) -> float:
        return float(sum(importance[n] for n in names) / total) if total > 0 else 0.0

    protected_share = share([f for f in importance if f in protected_set])
    top = ranked[:top_k]
    return ExplainabilityMeasurement(
        value=protected_share,
        inconclusive=total <= 0,
        protected_share=protected_share,
        proxy_share=share(list(proxies)),
        top_features=top,
        importance={f: float(importance[f]) for f in ranked},
        protected_in_top=[f for f in top if f in protected_set or f in proxies],
        rank_stability=rank_stability(importance, champion_importance),
        proxies=proxies,
        protected=list(protected),
        proxy_method=proxy_method,
        proxy_threshold=proxy_threshold,
        explainer=explainer,
    )


def explain(
    model: Any,
    data: Any,
    *,
    protected: Sequence[str] = (),
    features: Sequence[str] | None = None,
    proxy_method: ProxyMethod = "cramers_v",
    proxy_threshold: float = 0.5,
    top_k: int = 10,
    max_background: int = 50,
    max_samples: int = 500,
    permutations: int = 5,
    seed: int = 0,
    champion_importance: Mapping[str, float] | None = None,
    progress: Progress | None = None,
) -> ExplainabilityMeasurement:
    """SHAP importance of ``model`` on ``data`` (a DataFrame) and the explainability measurement.

    ``features`` defaults to the model's ``feature_names_in_`` (else every column of ``data``).
    See :func:`shap_values` and :func:`explainability`; ``explainer`` is ``tree`` or ``permutation``.
    """
    from govern.evidence import require_columns

    names = list(features) if features is not None else model_features(model, data)
    require_columns(data, names)
    values, kind = shap_values(
        model,
        data[names],
        max_background=max_background,
        max_samples=max_samples,
        permutations=permutations,
        seed=seed,
        progress=progress,
    )
    return explainability(
        importance_of(values, names),
        data=data,
        protected=protected,
        proxy_method=proxy_method,
        proxy_threshold=proxy_threshold,
        top_k=top_k,
        champion_importance=champion_importance,
        explainer=kind,
    )
