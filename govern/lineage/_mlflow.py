"""Import runs and registered model versions from an MLflow tracking store (optional extra).

Through MLflow's own client: experiments -> runs (params, metrics, tags, dataset inputs) ->
registered model versions. Run ids become ``run:<mlflow run id>``; MLflow datasets become
``dataset:mlflow/<name>`` versions keyed by their digest; model versions keep their name and
version. Already imported objects are skipped.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from govern.core import GovernError, Ref

from ._codes import MLFLOW_IMPORT_FAILED, MLFLOW_MISSING
from ._graph import find_node
from ._record import DatasetSpec, ModelSpec, RunSpec, record_dataset, record_model, record_run


def _ms(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value else None


def import_mlflow(session: Session, uri: str, *, actor: str) -> dict[str, int]:
    """Import everything under tracking ``uri``; returns counts of new runs, datasets, models.

    ``lineage.ingested`` by ``actor`` is ledgered in the caller's transaction when anything was new.
    """
    from govern.ledger import record

    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise GovernError(MLFLOW_MISSING, "MLflow is not installed; install govern with the [mlflow] extra") from None
    # MLflow retries an unreachable server for minutes by default; a CLI should answer promptly.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    counts = {"runs": 0, "datasets": 0, "models": 0}
    try:
        experiments = client.search_experiments()
        for exp in experiments:
            for run in client.search_runs([exp.experiment_id], max_results=50000):
                counts["datasets"] += _import_run(session, run, exp.name, counts)
        for mv in client.search_model_versions():
            if find_node(session, "model", mv.name, str(mv.version)) is not None:
                continue
            tags: dict[str, str] = {str(k): str(v) for k, v in (mv.tags or {}).items()}
            run_ref = mv.run_id if mv.run_id and find_node(session, "run", mv.run_id, None) else None
            record_model(
                session,
                ModelSpec(
                    name=mv.name,
                    version=str(mv.version),
                    run=run_ref,
                    framework=tags.get("framework"),
                    owner=tags.get("owner") or (mv.user_id or None),
                    tags=tags,
                    use_case=tags.get("use_case"),
                ),
            )
            counts["models"] += 1
    except GovernError:
        raise
    except Exception as exc:  # noqa: BLE001 - MLflow raises many types; name the store
        raise GovernError(MLFLOW_IMPORT_FAILED, f"{uri}: {type(exc).__name__}: {exc}") from None
    if any(counts.values()):
        record(session, actor=actor, kind="lineage.ingested", payload={"mlflow": uri, **counts})
    return counts


def _import_run(session: Session, run: Any, experiment: str, counts: dict[str, int]) -> int:
    info, data = run.info, run.data
    tags = dict(data.tags or {})
    new_datasets = 0
    inputs: list[Ref] = []
    for dsi in getattr(run.inputs, "dataset_inputs", None) or []:
        ds = dsi.dataset
        name = f"mlflow/{ds.name}"
        version = (ds.digest or "1")[:32]
        _, created = record_dataset(session, DatasetSpec(name=name, version=version, uri=ds.source or None))
        new_datasets += created
        inputs.append(Ref("dataset", name, version))
    existed = find_node(session, "run", info.run_id, None) is not None
    record_run(
        session,
        RunSpec(
            id=info.run_id,
            job=f"mlflow/{experiment}/{tags.get('mlflow.runName', info.run_name or '')}".rstrip("/"),
            inputs=inputs,
            params=dict(data.params or {}),
            metrics=dict(data.metrics or {}),
            code_commit=tags.get("mlflow.source.git.commit"),
            author=tags.get("mlflow.user"),
            status=info.status,
            started_at=_ms(info.start_time),
            ended_at=_ms(info.end_time),
        ),
    )
    if not existed:
        counts["runs"] += 1
    return new_datasets
