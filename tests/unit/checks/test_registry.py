"""run_check: validated params, evidence by role, and exactly CONTRACT.md's keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.checks import CHECKS, run_check, validate_params
from govern.core import GovernError
from govern.evidence import ColumnMapping, Evidence, EvidenceSet

# CONTRACT.md, one row per variable.
CONTRACT: dict[str, set[str]] = {
    "fairness": {
        "value",
        "inconclusive",
        "lower",
        "upper",
        "metrics",
        "per_group",
        "four_fifths_pass",
        "min_group_count",
    },
    "drift": {
        "value",
        "inconclusive",
        "max_value",
        "min_pvalue",
        "per_feature",
        "drifted",
        "decision",
        "prediction_psi",
    },
    "explainability": {
        "value",
        "inconclusive",
        "protected_share",
        "proxy_share",
        "top_features",
        "importance",
        "protected_in_top",
        "rank_stability",
    },
    "performance": {"value", "inconclusive", "metrics", "delta", "delta_lower", "delta_upper", "has_champion"},
    "documentation": {"value", "inconclusive", "missing", "complete"},
    "lineage": {"value", "inconclusive", "violations", "complete"},
}
TYPES = {
    "value": float,
    "inconclusive": bool,
    "lower": float,
    "upper": float,
    "metrics": dict,
    "per_group": dict,
    "four_fifths_pass": bool,
    "min_group_count": int,
    "max_value": float,
    "min_pvalue": float,
    "per_feature": dict,
    "drifted": list,
    "decision": str,
    "prediction_psi": float,
    "protected_share": float,
    "proxy_share": float,
    "top_features": list,
    "importance": dict,
    "protected_in_top": list,
    "rank_stability": float,
    "delta": float,
    "delta_lower": float,
    "delta_upper": float,
    "has_champion": bool,
    "missing": list,
    "complete": bool,
    "violations": list,
}


@pytest.fixture
def evidence(tmp_path: Path) -> EvidenceSet:
    import skops.io
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(0)
    n = 800
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.random(n), "sex": rng.choice(["F", "M"], n)})
    frame["label"] = (frame.x + rng.normal(size=n) > 0).astype(int)
    model = GradientBoostingClassifier(n_estimators=10).fit(frame[["x", "z"]], frame.label)
    frame["score"] = model.predict_proba(frame[["x", "z"]])[:, 1]
    frame["pred"] = (frame.score >= 0.5).astype(int)
    frame.to_csv(tmp_path / "eval.csv", index=False)
    current = frame.assign(x=frame.x + 0.3)
    current.to_parquet(tmp_path / "current.parquet")
    skops.io.dump(model, tmp_path / "model.skops")
    champion_frame = frame.assign(score=rng.random(n))
    champion_frame.to_csv(tmp_path / "champion.csv", index=False)
    mapping = ColumnMapping(label="label", prediction="pred", score="score", sensitive=("sex",))
    champion = EvidenceSet((Evidence("evaluation", tmp_path / "champion.csv", mapping),))
    return EvidenceSet(
        (
            Evidence("evaluation", tmp_path / "eval.csv", mapping),
            Evidence("reference", tmp_path / "eval.csv", mapping),
            Evidence("current", tmp_path / "current.parquet", mapping),
            Evidence("model", tmp_path / "model.skops"),
        ),
        champion=champion,
    )


FACTS = {
    "model": {"name": "m", "version": "1", "tier": "minimal", "card": {"intended_use": "x", "owner": "y"}},
    "target": "production",
    "lineage": {
        "datasets": [{"name": "d", "version": "1", "license": "MIT"}],
        "runs": [{"id": "r", "code_commit": "abc"}],
    },
}


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_returns_the_contract_keys_with_their_types(name: str, evidence: EvidenceSet) -> None:
    params = {"replicates": 50} if name in ("fairness", "performance") else {}
    measurement = run_check(name, params, evidence, FACTS)
    assert CONTRACT[name] <= set(measurement), CONTRACT[name] - set(measurement)
    for key in CONTRACT[name]:
        assert isinstance(measurement[key], TYPES[key]), (key, type(measurement[key]))
    from govern.core import canonical_json

    canonical_json(measurement)  # JSON-able, finite


def test_drift_excludes_label_prediction_and_scores_prediction_drift(evidence: EvidenceSet) -> None:
    m = run_check("drift", {"method": "ks"}, evidence, FACTS)
    assert set(m["per_feature"]) == {"x", "z", "sex"}
    assert m["drifted"] == ["x"] and m["decision"] == "retrain"


def test_performance_compares_the_champion(evidence: EvidenceSet) -> None:
    m = run_check("performance", {"replicates": 100}, evidence, FACTS)
    assert m["has_champion"] and m["delta"] > 0.2 and m["delta_lower"] > 0


@pytest.mark.parametrize(
    ("name", "params", "code"),
    [
        ("fairness", {"metirc": "demographic_parity_difference"}, "check_params_invalid"),
        ("fairness", {"confidence": 1.5}, "check_params_invalid"),
        ("drift", {"method": "psi2"}, "check_params_invalid"),
        ("performance", {"metric": "roc"}, "check_params_invalid"),
        ("bias", {}, "unknown_check"),
    ],
)
def test_bad_params_are_errors(name: str, params: dict[str, object], code: str) -> None:
    with pytest.raises(GovernError) as err:
        validate_params(name, params)
    assert err.value.code == code


def test_missing_evidence_is_an_error() -> None:
    with pytest.raises(GovernError) as err:
        run_check("fairness", {}, EvidenceSet(), FACTS)
    assert err.value.code == "evidence_missing"
