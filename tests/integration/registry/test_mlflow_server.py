"""MLflow both ways against a real ``mlflow server`` (SQLite backend) on loopback.

Runs and registered versions are logged by MLflow's own client, imported, gated with govern's
approvals to a declared target (``challenger``), and the alias and tags govern writes back are
read with MLflow's client; a second version takes the alias and archives the first; a rollback
removes it; a deny sets none; an unreachable registry is reported and ledgered while the
decision stands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from govern_testkit import free_port

pytest.importorskip("mlflow")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mlflow-server")]

NAME = "credit-risk-lr"
TARGETS = {"staging": "staging", "production": "production", "challenger": "staging"}


@pytest.fixture(scope="module")
def mlflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    exe = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or "mlflow"
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            exe,
            "server",
            "--backend-store-uri",
            f"sqlite:///{root / 'mlflow.db'}",
            "--artifacts-destination",
            str(root / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        env={**os.environ, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"mlflow server did not start: {(root / 'server.log').read_text()[-3000:]}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from govern.demo import build

    return build(tmp_path_factory.mktemp("scenario"), small=True)


def log_version(url: str, card: Path | None, train: Path, run_name: str) -> tuple[str, str]:
    """A training run (params, metrics, dataset input, card artifact) and its registered version."""
    import mlflow
    import pandas as pd
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(url)
    mlflow.set_experiment("credit")
    client = MlflowClient(url, url)
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({"C": 1.0, "penalty": "l2"})
        mlflow.log_metric("auc", 0.79)
        mlflow.set_tags(
            {"mlflow.user": "alice", "mlflow.source.git.commit": "3f2a9c1"}
        )  # set by MLflow in a git checkout
        data = mlflow.data.from_pandas(pd.read_csv(train).head(50), name="applications", source="s3://risk/apps.csv")
        mlflow.log_input(data, "training", tags={"govern.license": "CC-BY-4.0", "govern.owner": "data-team"})
        if card is not None:
            mlflow.log_artifact(str(card))
    if not client.search_registered_models(f"name = '{NAME}'"):
        client.create_registered_model(NAME, tags={"owner": "bob", "use_case": "credit", "framework": "sklearn"})
    mv = client.create_model_version(NAME, f"runs:/{run.info.run_id}/model", run.info.run_id)
    return run.info.run_id, str(mv.version)


def card_file(tmp: Path, version: str) -> Path:
    """The demo's LR model card (Model Card Toolkit JSON) for ``version``, as a run logs it."""
    import json

    from govern.demo import demo_card

    path = tmp / version / "model_card.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(demo_card(NAME, version)), encoding="utf-8")
    return path


def add_evidence(ws: Any, ref: str, scenario: Any) -> None:
    from govern.demo import EVAL_MAPPING

    ws.add_evidence(ref, "evaluation", scenario.lr_eval, mapping=EVAL_MAPPING)
    ws.add_evidence(ref, "model", scenario.lr_model)
    ws.add_evidence(ref, "reference", scenario.reference)
    ws.add_evidence(ref, "explanation", scenario.lr_explanation)


def approve_and_promote(ws: Any, ref: str, target: str) -> Any:
    from govern.decisions import vote

    first = ws.gate_promote(ref, target)
    assert first.outcome == "pending_approval", first.reasons
    assert first.registry is not None and first.registry["action"] == "none"
    for who in ("rita", "vera"):
        vote(ws.context, first.approval["request"], ws.principal(who), "approve", "validated")
    return ws.gate_promote(ref, target)


def test_mlflow_both_ways_through_a_real_server(mlflow_url: str, scenario: Any, tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    from govern.ledger import iter_entries, last_seq, verify
    from govern.workspace import Workspace

    client = MlflowClient(mlflow_url, mlflow_url)
    run1, v1 = log_version(mlflow_url, card_file(tmp_path, "1"), scenario.train, "train-lr")
    with Workspace.init(tmp_path / ".govern", mlflow_uri=mlflow_url, promotion_targets=TARGETS) as ws:
        ws.actor = "ci-bot"
        ws.create_token("rita", "risk_officer")
        ws.create_token("vera", "validator")
        counts = ws.import_mlflow()
        assert counts.to_dict() == {"runs": 1, "datasets": 1, "models": 1, "cards": 1, "prompts": 0}
        model = ws.model(f"{NAME}@{v1}")
        assert model["owner"] == "bob" and model["tags"]["govern.origin"] == "mlflow"
        assert model["tier"] == "high"  # tiered like any registered version (credit scoring, Annex III)
        add_evidence(ws, f"{NAME}@{v1}", scenario)

        allowed = approve_and_promote(ws, f"{NAME}@{v1}", "challenger")
        assert allowed.outcome == "allow" and allowed.stage_after == "staging"
        assert allowed.registry == {
            "model": f"{NAME}@{v1}", "action": "alias_set", "aliases": ["challenger"], "detail": "",
            "line": f"mlflow: set alias challenger on {NAME}@{v1}",
        }  # fmt: skip
        mv = client.get_model_version_by_alias(NAME, "challenger")
        assert mv.version == v1
        assert mv.tags["govern.decision"] == allowed.id
        assert mv.tags["govern.ledger_seq"] == str(allowed.ledger_seq)
        assert mv.tags["govern.ledger_hash"] == allowed.ledger_hash

        # A second version: incremental import, then it takes the alias and archives the first.
        run2, v2 = log_version(mlflow_url, card_file(tmp_path, "2"), scenario.train, "train-lr-2")
        assert ws.import_mlflow().to_dict() == {"runs": 1, "datasets": 0, "models": 1, "cards": 1, "prompts": 0}
        assert ws.import_mlflow().to_dict() == {"runs": 0, "datasets": 0, "models": 0, "cards": 0, "prompts": 0}
        add_evidence(ws, f"{NAME}@{v2}", scenario)
        second = approve_and_promote(ws, f"{NAME}@{v2}", "challenger")
        assert second.outcome == "allow"
        assert client.get_model_version_by_alias(NAME, "challenger").version == v2
        assert ws.model(f"{NAME}@{v1}")["stage"] == "archived"
        with ws.store.read() as session:
            handed = [e.payload for e in iter_entries(session, kind="target.assigned")]
        assert handed[-1]["previous"] == [f"{NAME}@{v1}"] and handed[-1]["model"] == f"{NAME}@{v2}"

        # A version without evidence is denied: no alias is set, the holder keeps it.
        _, v3 = log_version(mlflow_url, None, scenario.train, "train-lr-3")
        ws.import_mlflow()
        denied = ws.gate_promote(f"{NAME}@{v3}", "challenger")
        assert denied.outcome == "deny"
        assert denied.registry is not None and denied.registry["action"] == "none"
        assert client.get_model_version_by_alias(NAME, "challenger").version == v2

        # A rollback releases the target and removes the alias in MLflow.
        _, synced = ws.rollback(f"{NAME}@{v2}", "none", ws.principal("rita"), justification="recall")
        assert synced is not None and synced.action == "alias_removed", synced
        assert "challenger" not in client.get_registered_model(NAME).aliases
        assert client.get_model_version(NAME, v2).tags["govern.stage"] == "none"

    # MLflow unreachable: the write-back fails, is reported and ledgered; the decision stands.
    with Workspace.open(tmp_path / ".govern", mlflow_uri="http://127.0.0.1:9", promotion_targets=TARGETS) as ws:
        ws.actor = "ci-bot"
        again = approve_and_promote(ws, f"{NAME}@{v2}", "challenger")  # the rollback voided its approval
        assert again.outcome == "allow" and ws.model(f"{NAME}@{v2}")["stage"] == "staging"
        assert again.registry is not None and again.registry["action"] == "failed"
        with ws.store.read() as session:
            failed = [e.payload for e in iter_entries(session, kind="registry.sync_failed")]
            synced_kinds = [e.payload["action"] for e in iter_entries(session, kind="registry.synced")]
        assert failed[-1]["model"] == f"{NAME}@{v2}" and failed[-1]["decision"] == again.id
        assert synced_kinds == ["alias_set", "alias_set", "alias_removed"]
        with ws.store.read() as session:
            size = last_seq(session)
        assert verify(ws.store).size == size  # raises on any broken link
    assert run1 != run2


def test_prompt_registry_versions_become_components_of_the_app(mlflow_url: str, tmp_path: Path) -> None:
    """MLflow 3's prompt registry: each prompt version is a lineage component addressed by its
    template's digest, linked to the model version whose run links it."""
    import mlflow
    from mlflow.tracking import MlflowClient

    from govern.core import content_digest
    from govern.workspace import Workspace

    client = MlflowClient(mlflow_url, mlflow_url)
    first = "You draft credit memos for {{ officer }}. Cite the policy section."
    second = "You draft credit memos for {{ officer }}. Never promise an outcome."
    client.register_prompt("memo-system", first, commit_message="first draft")
    v2 = client.register_prompt("memo-system", second, commit_message="no promises")
    mlflow.set_tracking_uri(mlflow_url)
    mlflow.set_experiment("memo")
    with mlflow.start_run(run_name="assemble-app") as run:
        mlflow.log_param("base_model", "gpt-4o-2024-08-06")
    client.link_prompt_version_to_run(run.info.run_id, f"prompts:/memo-system/{v2.version}")
    client.create_registered_model("memo-assistant", tags={"kind": "llm", "use_case": "credit", "owner": "bob"})
    mv = client.create_model_version("memo-assistant", f"runs:/{run.info.run_id}/app", run.info.run_id)

    with Workspace.init(tmp_path / ".govern", mlflow_uri=mlflow_url) as ws:
        ws.actor = "ci-bot"
        counts = ws.import_mlflow()
        assert counts.prompts == 2
        assert not [m for m in ws.models() if m["model"].startswith("memo-system@")]  # a prompt is no model
        graph = ws.lineage(f"memo-assistant@{mv.version}").to_dict()
        nodes = {n["ref"]: n for n in graph["nodes"]}
        linked = f"component:prompt/mlflow/memo-system@{v2.version}"
        assert linked in nodes and "component:prompt/mlflow/memo-system@1" not in nodes
        assert nodes[linked]["digest"] == content_digest(second.encode())
        assert {"from": linked, "to": f"memo-assistant@{mv.version}", "kind": "configures"} in graph["edges"]
        assert ws.model(f"memo-assistant@{mv.version}")["tags"]["kind"] == "llm"
        assert ws.import_mlflow().prompts == 0  # incremental
