"""Import from a real local MLflow tracking store that the test creates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mlflow")

MAKE_STORE = textwrap.dedent(
    """
    import sys
    import mlflow, numpy as np, pandas as pd
    from mlflow.tracking import MlflowClient
    uri = sys.argv[1]
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    mlflow.set_experiment("credit")
    df = pd.DataFrame({"income": np.arange(10.0), "label": [0, 1] * 5})
    with mlflow.start_run(run_name="train-gbm") as run:
        mlflow.log_params({"learning_rate": 0.1, "n_estimators": 50})
        mlflow.log_metric("auc", 0.83)
        mlflow.set_tags({"mlflow.user": "alice", "mlflow.source.git.commit": "3f2a9c1"})
        dataset = mlflow.data.from_pandas(df, name="applications", source="s3://risk/apps.parquet")
        mlflow.log_input(dataset, context="training")
    client = MlflowClient(uri, uri)
    client.create_registered_model("credit-risk")
    client.create_model_version("credit-risk", f"runs:/{run.info.run_id}/model", run.info.run_id,
                                tags={"owner": "bob", "use_case": "credit"})
    print(run.info.run_id)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "file-store"])
def test_import_mlflow_runs_and_model_versions(cli, workspace, tmp_path, store):
    """A database store, and a file-store tree that MLflow 3 only writes with its opt-out set:
    govern reads it without the user setting anything (and without an internal error)."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}" if store == "sqlite" else (tmp_path / "mlruns").as_uri()
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_ALLOW_FILE_STORE"}
    writer_env = {**env, "MLFLOW_ALLOW_FILE_STORE": "true"}  # the writer opts out, as MLflow tells it to
    made = subprocess.run(
        [sys.executable, "-c", MAKE_STORE, uri], capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env=writer_env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-2000:]
    run_id = made.stdout.strip().splitlines()[-1]

    result = cli.run("lineage", "import-mlflow", uri, env={**workspace.env, "MLFLOW_ALLOW_FILE_STORE": ""})
    assert result.returncode == 0, result.stderr
    assert "imported 1 run(s), 1 dataset version(s), 1 model version(s)" in result.stdout

    shown = cli.run("lineage", "show", "credit-risk@1", "--format", "json", env=workspace.env)
    assert shown.returncode == 0, shown.stderr
    graph = json.loads(shown.stdout)
    nodes = {n["ref"]: n for n in graph["nodes"]}
    assert nodes["credit-risk@1"]["owner"] == "bob"
    assert nodes[f"run:{run_id}"]["author"] == "alice"
    assert nodes[f"run:{run_id}"]["code_commit"] == "3f2a9c1"
    assert any(ref.startswith("dataset:mlflow/applications@") for ref in nodes)

    again = cli.run("lineage", "import-mlflow", uri, env={**workspace.env, "MLFLOW_ALLOW_FILE_STORE": ""})
    assert "imported 0 run(s), 0 dataset version(s), 0 model version(s)" in again.stdout


def test_import_mlflow_unreachable_store_is_exit_2(cli, workspace, tmp_path):
    result = cli.run("lineage", "import-mlflow", "http://127.0.0.1:9/", env=workspace.env)
    assert result.returncode == 2
    assert "mlflow_import_failed" in result.stderr and "Traceback" not in result.stderr
