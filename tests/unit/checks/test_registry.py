"""run_check: validated params, evidence by role, and the typed measurement the policy room declares."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.checks import CHECKS, run_check, validate_params
from govern.core import GovernError, canonical_json
from govern.evidence import ColumnMapping, Evidence, EvidenceSet
from govern.llm import read_eval_results


def _has_cel_type(value: object, cel: str) -> bool:
    """Whether a to_cel() value has the declared CEL type (the contract derived from the types)."""
    if cel == "double":
        return type(value) is float
    if cel == "int":
        return type(value) is int
    if cel == "bool":
        return type(value) is bool
    if cel == "string":
        return type(value) is str
    if cel.startswith("list("):
        return isinstance(value, list) and all(_has_cel_type(v, cel[5:-1]) for v in value)
    if cel.startswith("map(string,"):
        inner = cel[len("map(string,") : -1]
        return isinstance(value, dict) and all(type(k) is str and _has_cel_type(v, inner) for k, v in value.items())
    raise AssertionError(cel)


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
    llm = Path(__file__).resolve().parents[2] / "data" / "llm"
    for role, results in (("llm_eval", "lm-eval/run"), ("redteam", "promptfoo/redteam-results.json")):
        (tmp_path / f"{role}.json").write_bytes(canonical_json(read_eval_results(llm / results).to_json()))
    (tmp_path / "rails.yml").write_text("rails:\n  input: {flows: [self check input]}\n", encoding="utf-8")
    return EvidenceSet(
        (
            Evidence("evaluation", tmp_path / "eval.csv", mapping),
            Evidence("reference", tmp_path / "eval.csv", mapping),
            Evidence("current", tmp_path / "current.parquet", mapping),
            Evidence("model", tmp_path / "model.skops"),
            Evidence("llm_eval", tmp_path / "llm_eval.json"),
            Evidence("redteam", tmp_path / "redteam.json"),
            Evidence("guardrails", tmp_path / "rails.yml"),
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
def test_every_check_returns_its_type_with_the_declared_cel_variables(name: str, evidence: EvidenceSet) -> None:
    from govern.measurements import MEASUREMENT_TYPES, measurement_from_json
    from govern.policy import MEASUREMENTS

    params = {"replicates": 50} if name in ("fairness", "performance") else {}
    measurement = run_check(name, params, evidence, FACTS)
    assert type(measurement) is MEASUREMENT_TYPES[name]
    cel = measurement.to_cel()
    # Optional variables are absent when None; drift keeps prediction_psi (0.0) as earlier releases did.
    optional = {k for k in MEASUREMENTS[name] if getattr(measurement, k) is None} - {"prediction_psi"}
    assert set(cel) == set(MEASUREMENTS[name]) - optional
    for key, value in cel.items():
        assert _has_cel_type(value, MEASUREMENTS[name][key]), (key, value)
    canonical_json(measurement.to_json())  # JSON-able, finite
    assert measurement_from_json(name, measurement.to_json()) == measurement


def test_drift_excludes_label_prediction_and_scores_prediction_drift(evidence: EvidenceSet) -> None:
    m = run_check("drift", {"method": "ks"}, evidence, FACTS)
    assert set(m.per_feature) == {"x", "z", "sex"}
    assert m.drifted == ["x"] and m.decision == "retrain"


def test_performance_compares_the_champion(evidence: EvidenceSet) -> None:
    m = run_check("performance", {"replicates": 100}, evidence, FACTS)
    assert m.has_champion and m.delta > 0.2 and m.delta_lower > 0


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
