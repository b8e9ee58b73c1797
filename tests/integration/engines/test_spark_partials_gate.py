"""End to end from partials only: the evaluation evidence of a model is the partials a Spark job
produced (``govern.stats.collect(df, spec, engine_name="spark")``); the rows never leave Spark.

The model is registered, its partials added as evaluation evidence, ``govern gate promote``
allows it (a fairness rule on the CI's upper end) and moves it to staging, and the PDF report
shows the per-group table and the intervals, read back with pdftotext. The numbers in the PDF
are checked against the same rows measured in memory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = [
    pytest.mark.xdist_group("engines"),
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing (scripts/system-deps.sh)"),
]
ROWS = 200_000
PACK = {
    "pack.yaml": "apiVersion: govern/v1\nkind: Pack\nmetadata:\n  name: scale\n  version: '1.0.0'\n",
    "tiering.yaml": (
        "apiVersion: govern/v1\nkind: Tiering\nmetadata:\n  name: scale-tiers\nspec:\n  default: minimal\n  rules: []\n"
    ),
    "fairness.yaml": """\
apiVersion: govern/v1
kind: Policy
metadata:
  name: fairness-from-partials
  controls: [eu-ai-act/art-10]
spec:
  appliesTo:
    tiers: [minimal, limited, high]
  gates: [promote]
  rules:
    - id: demographic-parity
      check: fairness
      with: {metric: demographic_parity_difference, sensitive: [sex, race], replicates: 500}
      require: "upper <= 0.25"
      onFail: deny
""",
}
MANIFEST = """\
apiVersion: govern/v1
kind: Lineage
datasets:
  - name: lake/loans
    version: "1"
    uri: s3://lake/loans/
    card: {source: lakehouse, license: internal, contains_pii: true, consent: contract}
runs:
  - id: spark-train-1
    job: loans/train
    inputs: [dataset:lake/loans@1]
    author: alice
models:
  - name: loans
    version: "1"
    run: spark-train-1
    owner: bob
"""


def _rows(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), ROWS)
    race = rng.choice(np.array(["a", "b", "c"]), ROWS, p=[0.6, 0.3, 0.1])
    label = (rng.random(ROWS) < 0.4).astype(np.int32)
    logit = rng.standard_normal(ROWS) + np.where(label == 1, 1.0, -1.0) + np.where(sex == "female", -0.2, 0.0)
    score = 1 / (1 + np.exp(-logit))
    return {"sex": sex, "race": race, "label": label, "score": score, "pred": (score >= 0.5).astype(np.int32)}


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def test_spark_partials_are_gated_promoted_and_reported(spark: Any, tmp_path: Path, cli: Any) -> None:
    import pandas as pd
    from govern_testkit import workspace_env

    from govern.checks import fairness
    from govern.stats import Spec, collect

    columns = _rows(7)
    df = spark.createDataFrame(pd.DataFrame(columns)).repartition(4)
    spec = Spec(label="label", prediction="pred", sensitive=("sex", "race"))
    partials = collect(df, spec, engine_name="spark")
    assert partials.rows == ROWS
    blob = tmp_path / "loans-eval.govstats"
    blob.write_bytes(partials.to_bytes())
    assert blob.stat().st_size < 4_000  # 6 groups x 4 confusion counts and the spec: no row left Spark

    packs = tmp_path / "packs" / "scale"
    packs.mkdir(parents=True)
    for name, text in PACK.items():
        (packs / name).write_text(text)
    (tmp_path / "lineage.yaml").write_text(MANIFEST)
    env = {**workspace_env(tmp_path / ".govern"), "GOVERN_POLICY_PATHS": json.dumps([str(packs)])}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = cli.run(*args, env=env, cwd=tmp_path)
        assert "Traceback" not in result.stderr
        return result  # type: ignore[no-any-return]

    assert run("init").returncode == 0
    assert run("lineage", "ingest", str(tmp_path / "lineage.yaml")).returncode == 0
    mapping = ["--label", "label", "--prediction", "pred", "--sensitive", "sex,race"]
    added = run("evidence", "add", "loans@1", "--role", "evaluation", "--partials", str(blob), *mapping)
    assert added.returncode == 0, added.stderr
    gate = run("gate", "promote", "loans@1", "--to", "staging", "--format", "json")
    assert gate.returncode == 0, gate.stdout + gate.stderr
    decision = json.loads(gate.stdout)
    assert decision["outcome"] == "allow"
    (finding,) = decision["findings"]
    assert finding["rule"] == "scale/demographic-parity" and finding["result"] == "pass"

    expected = fairness(
        columns["label"],
        columns["pred"],
        sensitive={"sex": columns["sex"], "race": columns["race"]},
        replicates=0,
    )
    assert finding["value"] == pytest.approx(expected.value, abs=1e-12)

    pdf = tmp_path / "loans.pdf"
    report = run("report", "model", "loans@1", "-o", str(pdf))
    assert report.returncode == 0, report.stderr
    text = _pdftotext(pdf)
    assert "Fairness" in text and "staging" in text
    assert "CI lower" in text and "CI upper" in text
    for group, stats in expected.per_group.items():
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(group)), None)
        assert line is not None, f"group {group!r} missing from the report"
        assert f"{int(stats.count):,}" in line or str(int(stats.count)) in line
    assert f"{expected.value:.3f}"[:4] in text  # the headline difference, as printed
