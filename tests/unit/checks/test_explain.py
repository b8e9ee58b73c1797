"""SHAP importance against shap itself; proxies against scipy / scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shap
from scipy.stats import spearmanr
from scipy.stats.contingency import association
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import normalized_mutual_info_score

from govern.checks import cramers_v, explain, explainability, normalized_mutual_information
from govern.checks._explain import contingency, rank_stability

TOL = 1e-9


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 1_500
    sex = rng.integers(0, 2, n)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "sex": sex,
            "relationship": np.where(rng.random(n) < 0.9, sex, 1 - sex) + 2 * rng.integers(0, 2, n),
        }
    )
    y = (frame.x1 + 0.6 * frame.sex + rng.normal(size=n) > 0.3).astype(int).to_numpy()
    return frame, y


def test_tree_importance_equals_shap_tree_explainer(data: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, y = data
    model = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(frame, y)
    result = explain(model, frame, protected=["sex"])
    expected = np.abs(shap.TreeExplainer(model).shap_values(frame)).mean(axis=0)
    assert result.explainer == "tree"
    for name, value in zip(frame.columns, expected, strict=True):
        assert abs(result.importance[name] - value) < TOL
    total = expected.sum()
    assert abs(result.protected_share - expected[2] / total) < TOL
    assert result.top_features[0] == "x1"
    assert "relationship" in result.proxies  # 90% agreement with sex
    assert "sex" in result.protected_in_top


def test_lightgbm_importance_equals_shap(data: tuple[pd.DataFrame, np.ndarray]) -> None:
    import lightgbm

    frame, y = data
    model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(frame, y)
    result = explain(model, frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = shap.TreeExplainer(model).shap_values(frame)
    values = values[-1] if isinstance(values, list) else values
    for name, value in zip(frame.columns, np.abs(values).mean(axis=0), strict=True):
        assert abs(result.importance[name] - value) < TOL


def test_sampled_explainer_is_bounded_and_equals_shap_permutation(data: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, y = data
    model = LogisticRegression().fit(frame, y)
    seen: list[tuple[int, int]] = []
    result = explain(
        model,
        frame,
        max_samples=60,
        max_background=20,
        permutations=3,
        seed=4,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert result.explainer == "permutation"
    assert seen[-1] == (60, 60)
    # the same computation through shap directly: same rows, background and seed
    rng = np.random.default_rng(4)
    matrix = frame.to_numpy(dtype=float)
    sample = matrix[np.sort(rng.choice(len(matrix), 60, replace=False))]
    background = matrix[rng.choice(len(matrix), 20, replace=False)]
    explainer = shap.PermutationExplainer(
        lambda rows: model.predict_proba(pd.DataFrame(rows, columns=frame.columns))[:, 1],
        shap.maskers.Independent(background, max_samples=20),
        seed=4,
    )
    values = np.concatenate(
        [explainer(sample[i : i + 50], max_evals=3 * 9, silent=True).values for i in range(0, 60, 50)]
    )
    for name, value in zip(frame.columns, np.abs(values).mean(axis=0), strict=True):
        assert abs(result.importance[name] - value) < TOL


def test_association_measures_equal_scipy_and_sklearn(data: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, _ = data
    table = contingency(frame["relationship"], frame["sex"])
    assert abs(cramers_v(table) - association(table, method="cramer")) < TOL
    expected = normalized_mutual_info_score(frame["relationship"], frame["sex"])
    assert abs(normalized_mutual_information(table) - expected) < TOL


def test_rank_stability_is_spearman_and_one_without_champion() -> None:
    ours = {"a": 3.0, "b": 2.0, "c": 1.0, "d": 0.5}
    champion = {"a": 1.0, "b": 2.5, "c": 0.7, "d": 0.1}
    expected = spearmanr([3.0, 2.0, 1.0, 0.5], [1.0, 2.5, 0.7, 0.1]).statistic
    assert abs(rank_stability(ours, champion) - expected) < TOL
    assert explainability(ours).rank_stability == 1.0
    assert explainability(ours, champion_importance=champion).rank_stability == pytest.approx(expected)
