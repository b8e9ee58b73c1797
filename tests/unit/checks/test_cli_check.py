"""`govern check ...` through the real console script."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference
from scipy.stats import ks_2samp


@pytest.fixture
def files(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({"age": rng.integers(18, 80, n), "sex": rng.choice(["F", "M"], n), "y": rng.integers(0, 2, n)})
    frame["score"] = np.clip(0.3 * frame.y + 0.7 * rng.random(n), 0, 1)
    frame["pred"] = (frame.score >= 0.5).astype(int)
    frame["old"] = rng.random(n)
    frame.to_csv(tmp_path / "eval.csv", index=False)
    frame.assign(age=frame.age + 3).to_csv(tmp_path / "current.csv", index=False)
    return tmp_path


def test_fairness_json_uses_contract_names(cli, files: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.run(
        "check",
        "fairness",
        str(files / "eval.csv"),
        "--label",
        "y",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    frame = pd.read_csv(files / "eval.csv")
    expected = demographic_parity_difference(frame.y, frame.pred, sensitive_features=frame.sex)
    assert abs(data["metrics"]["demographic_parity_difference"] - expected) < 1e-9
    assert {"selection_rate", "false_positive_rate", "false_negative_rate"} <= set(data["per_group"]["F"])


def test_drift_json(cli, files: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.run(
        "check",
        "drift",
        str(files / "eval.csv"),
        str(files / "current.csv"),
        "--columns",
        "age,sex",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    a, b = pd.read_csv(files / "eval.csv").age, pd.read_csv(files / "current.csv").age
    assert abs(data["per_feature"]["age"]["ks_statistic"] - ks_2samp(a, b).statistic) < 1e-9
    assert {"ks_pvalue", "psi", "wasserstein", "jensen_shannon"} <= set(data["per_feature"]["age"])


def test_performance_text_and_explain(cli, files: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli.run(
        "check",
        "performance",
        str(files / "eval.csv"),
        "--label",
        "y",
        "--score",
        "score",
        "--champion-score",
        "old",
        "--replicates",
        "100",
    )
    assert result.returncode == 0, result.stderr
    assert "auc" in result.stdout and "challenger - champion" in result.stdout
    import skops.io
    from sklearn.ensemble import GradientBoostingClassifier

    frame = pd.read_csv(files / "eval.csv")
    model = GradientBoostingClassifier(n_estimators=5).fit(frame[["age", "score"]], frame.y)
    skops.io.dump(model, files / "model.skops")
    result = cli.run(
        "check",
        "explain",
        str(files / "model.skops"),
        str(files / "eval.csv"),
        "--protected",
        "sex",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)["importance"]) == {"age", "score"}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (
            ["fairness", "{d}/eval.csv", "--label", "nope", "--prediction", "pred", "--sensitive", "sex"],
            "evidence_missing_column",
        ),
        (
            ["fairness", "{d}/eval.csv", "--label", "age", "--prediction", "pred", "--sensitive", "sex"],
            "evidence_label_not_binary",
        ),
        (["performance", "{d}/absent.csv", "--label", "y", "--score", "score"], "evidence_unreadable"),
        (["explain", "{d}/model.pkl", "{d}/eval.csv"], "evidence_pickle_refused"),
    ],
)
def test_bad_input_exits_2_with_a_located_message(cli, files: Path, args: list[str], code: str) -> None:  # type: ignore[no-untyped-def]
    (files / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    result = cli.run("check", *[a.format(d=files) for a in args])
    assert result.returncode == 2
    assert code in result.stderr and "Traceback" not in result.stderr
    assert str(files) in result.stderr
