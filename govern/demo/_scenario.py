"""The demo's world on disk: data with a known bias, two trained models, evidence, lineage, cards.

Also used by the integration tests to build realistic workspaces quickly (``small=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._data import FINANCIAL, applications

ONE_HOT = ["sex_f", "zip_b", "zip_c"]


@dataclass(frozen=True)
class Files:
    root: Path
    manifest: Path
    train: Path
    gbm_model: Path
    lr_model: Path
    gbm_eval: Path
    lr_eval: Path
    lr_explanation: Path
    reference: Path
    current: Path
    retrain_eval: Path
    retrain_model: Path
    retrain_reference: Path
    retrain_explanation: Path


def _one_hot(df: Any) -> Any:
    out = df[FINANCIAL].copy()
    out["sex_f"] = (df["sex"] == "F").astype(int)
    out["zip_b"] = (df["zip_group"] == "B").astype(int)
    out["zip_c"] = (df["zip_group"] == "C").astype(int)
    return out


def _fit_lr(frame: Any, labels: Any) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(frame[FINANCIAL], labels)


def _eval_table(frame: Any, model: Any, features: Any) -> Any:
    scores = model.predict_proba(features)[:, 1]
    out = frame.drop(columns=["label"]).rename(columns={"repaid": "outcome"}).copy()
    for col in ONE_HOT:
        out[col] = features[col] if col in features else _one_hot(frame)[col]
    out["score"] = scores.round(6)
    out["prediction"] = (scores >= 0.5).astype(int)
    return out


def _linear_shap(model: Any, background: Any, data: Any) -> Any:
    """Exact SHAP values of a standardized logistic regression (shap's LinearExplainer)."""
    import pandas as pd
    import shap

    scaler, lr = model.steps[0][1], model.steps[-1][1]
    explainer = shap.LinearExplainer(lr, scaler.transform(background[FINANCIAL]))
    values = explainer.shap_values(scaler.transform(data[FINANCIAL]))
    return pd.DataFrame(values, columns=FINANCIAL).round(8)


def build(root: Path, *, small: bool = False, seed: int = 11) -> Files:
    """Write every demo input under ``root``; deterministic for a given ``seed``."""
    import lightgbm as lgb
    from skops.io import dump

    root.mkdir(parents=True, exist_ok=True)
    n_train, n_eval = (4000, 5000) if small else (12000, 12000)
    train = applications(n_train, seed=seed)
    evaluation = applications(n_eval, seed=seed + 1)
    current = applications(n_eval, seed=seed + 2, drift=1.0)
    retrain_eval = applications(n_eval, seed=seed + 3, drift=1.0)

    gbm = lgb.LGBMClassifier(
        n_estimators=60 if small else 120,
        learning_rate=0.08,
        num_leaves=7 if small else 31,  # small: the same AUC, a tenth of the TreeSHAP cost
        min_child_samples=20,
        random_state=seed,
        verbose=-1,
        n_jobs=2,
    )
    gbm.fit(_one_hot(train), train["label"])  # historical (biased) decisions, sees sex and a race proxy
    lr = _fit_lr(train, train["repaid"])  # observed repayment, financial features only
    lr2 = _fit_lr(current, current["repaid"])  # retrained on the drifted population

    files = Files(
        root=root,
        manifest=root / "lineage.yaml",
        train=root / "applications_v1.csv",
        gbm_model=root / "credit-risk-gbm.skops",
        lr_model=root / "credit-risk-lr.skops",
        gbm_eval=root / "eval_gbm.csv",
        lr_eval=root / "eval_lr.csv",
        lr_explanation=root / "shap_lr.csv",
        reference=root / "reference.csv",
        current=root / "production_current.csv",
        retrain_eval=root / "eval_lr_v2.csv",
        retrain_model=root / "credit-risk-lr-v2.skops",
        retrain_reference=root / "reference_v2.csv",
        retrain_explanation=root / "shap_lr_v2.csv",
    )
    train.to_csv(files.train, index=False)
    dump(gbm, files.gbm_model)
    dump(lr, files.lr_model)
    dump(lr2, files.retrain_model)
    _eval_table(evaluation, gbm, _one_hot(evaluation)).to_csv(files.gbm_eval, index=False)
    _eval_table(evaluation, lr, evaluation[FINANCIAL]).to_csv(files.lr_eval, index=False)
    _eval_table(retrain_eval, lr2, retrain_eval[FINANCIAL]).to_csv(files.retrain_eval, index=False)
    _linear_shap(lr, train, evaluation).to_csv(files.lr_explanation, index=False)
    _linear_shap(lr2, current, retrain_eval).to_csv(files.retrain_explanation, index=False)
    train[FINANCIAL].to_csv(files.reference, index=False)
    current[FINANCIAL].to_csv(files.current, index=False)
    current[FINANCIAL].to_csv(files.retrain_reference, index=False)
    files.manifest.write_text(MANIFEST, encoding="utf-8")
    return files


MANIFEST = """\
apiVersion: govern/v1
kind: Lineage
datasets:
  - name: credit/applications
    version: "1"
    uri: file://applications_v1.csv
    schema: [{name: income, type: float}, {name: debt_ratio, type: float}, {name: sex, type: string}]
    card: {source: core banking export 2019-2023, license: internal-use, contains_pii: true, consent: contract}
  - name: credit/applications
    version: "2"
    uri: file://production_current.csv
    card:
      {source: core banking export 2024 (post-recession), license: internal-use, contains_pii: true, consent: contract}
  - name: credit/bureau-scores
    version: "1"
    card: {source: credit bureau feed, license: bureau-agreement-2023, contains_pii: true, consent: legitimate_interest}
features:
  - name: debt_ratio
    version: "1"
    derived_from: ["dataset:credit/applications@1", "dataset:credit/bureau-scores@1"]
runs:
  - id: train-gbm-2024-03
    job: credit/train-gbm
    inputs: ["dataset:credit/applications@1", "feature:debt_ratio@1"]
    params: {learner: lightgbm, n_estimators: 120, features: "financial + sex + zip_group"}
    code_commit: 3f2a9c1
    author: carol
  - id: train-lr-2024-03
    job: credit/train-lr
    inputs: ["dataset:credit/applications@1", "feature:debt_ratio@1"]
    params: {learner: logistic_regression, features: financial only}
    code_commit: 77be0d4
    author: carol
  - id: train-lr-2024-09
    job: credit/train-lr
    inputs: ["dataset:credit/applications@2", "feature:debt_ratio@1"]
    params: {learner: logistic_regression, features: financial only, reason: drift retraining}
    code_commit: 9c41e2b
    author: carol
"""
