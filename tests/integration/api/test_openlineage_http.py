"""``POST /api/v1/lineage``: the real openlineage-python client's HttpTransport delivers events to a
real ``govern serve`` on loopback (configured as Airflow or Spark would be: ``OPENLINEAGE_URL`` and
``OPENLINEAGE_API_KEY``); ``govern lineage show`` then shows the run with its inputs and outputs.
The OpenLineage repository's own example events are accepted; malformed events get 4xx
problem+json and store nothing; redelivery is idempotent per runId/eventType."""

from __future__ import annotations

import gzip
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

UPSTREAM = Path(__file__).resolve().parents[2] / "data" / "openlineage" / "upstream"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python"


@pytest.fixture
def writer_token(server: Any) -> str:
    """A token of the lineage_writer role, created over the API by the admin."""
    with server.client("root") as admin:
        made = admin.post("/tokens", json={"name": "airflow", "role": "lineage_writer"})
        assert made.status_code == 201, made.text
        return str(made.json()["token"])


@pytest.fixture
def ol_client(server: Any, writer_token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """The official client, configured from the environment exactly as the docs tell users to."""
    from openlineage.client import OpenLineageClient

    monkeypatch.chdir(tmp_path)  # no openlineage.yml from the repository is picked up
    for var in ("OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED", "OPENLINEAGE__TRANSPORT__TYPE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENLINEAGE_URL", server.url)
    monkeypatch.setenv("OPENLINEAGE_API_KEY", writer_token)
    yield OpenLineageClient()


def _show(server: Any, ref: str, *args: str) -> subprocess.CompletedProcess[str]:
    from govern_testkit import govern_command

    return subprocess.run(
        [*govern_command(), "lineage", "show", ref, *args],
        env=server.ws.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_http_transport_start_complete_then_lineage_show(server: Any, ol_client: Any) -> None:
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import schema_dataset, source_code_location_job
    from openlineage.client.transport.http import HttpTransport
    from openlineage.client.uuid import generate_new_uuid

    assert isinstance(ol_client.transport, HttpTransport)
    run_id = str(generate_new_uuid())
    job = Job(
        namespace="airflow",
        name="credit_dag.build_features",
        facets={
            "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
                type="git", url="https://git.example.com/credit.git", version="9c1e2f0"
            )
        },
    )
    fields = [schema_dataset.SchemaDatasetFacetFields(name="income", type="DOUBLE")]
    inputs = [
        InputDataset(
            namespace="postgres://warehouse:5432",
            name="public.applications",
            facets={"schema": schema_dataset.SchemaDatasetFacet(fields=fields)},
        )
    ]
    outputs = [OutputDataset(namespace="s3://features", name="credit/features")]
    for state in (RunState.START, RunState.COMPLETE):
        ol_client.emit(
            RunEvent(
                eventType=state,
                eventTime="2026-03-01T10:00:00Z" if state is RunState.START else "2026-03-01T10:05:00Z",
                run=Run(runId=run_id),
                job=job,
                inputs=inputs,
                outputs=outputs,
                producer=PRODUCER,
            )
        )
    shown = _show(server, f"run:{run_id}", "--downstream", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    graph = json.loads(shown.stdout)
    text = json.dumps(graph)
    assert "features" in text and "credit/features" in text, graph
    up = _show(server, f"run:{run_id}", "--format", "json")
    assert up.returncode == 0, up.stderr
    assert "public.applications" in up.stdout, up.stdout
    tree = _show(server, f"run:{run_id}")
    assert tree.returncode == 0 and run_id in tree.stdout, tree.stderr

    # the same START again is a duplicate (the transport's retries must not make new versions)
    with server.client("root") as admin:
        before = admin.get(f"/lineage/run:{run_id}", params={"direction": "downstream"}).json()
    again = ol_client.transport.emit(
        RunEvent(
            eventType=RunState.START,
            eventTime="2026-03-01T10:00:00Z",
            run=Run(runId=run_id),
            job=job,
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
    )
    assert again.status_code == 200, again.text
    assert again.json()["duplicates"] == 1
    with server.client("root") as admin:
        assert admin.get(f"/lineage/run:{run_id}", params={"direction": "downstream"}).json() == before


def test_gzip_transport_and_upstream_examples(server: Any, writer_token: str) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport

    transport = HttpTransport(
        HttpConfig.from_dict(
            {"url": server.url, "auth": {"type": "api_key", "apiKey": writer_token}, "compression": "gzip"}
        )
    )
    client = OpenLineageClient(transport=transport)
    assert transport.config.compression is HttpCompression.GZIP
    from openlineage.client.event_v2 import DatasetEvent, StaticDataset

    client.emit(
        DatasetEvent(
            eventTime="2026-03-01T10:00:00Z",
            producer=PRODUCER,
            dataset=StaticDataset(namespace="s3://lake", name="raw/events"),
        )
    )
    url = server.url + "/api/v1/lineage"
    headers = {"Authorization": f"Bearer {writer_token}"}
    names = sorted(p.name for p in UPSTREAM.glob("*.json"))
    assert len(names) >= 4, names
    for name in names:
        response = httpx.post(
            url, content=(UPSTREAM / name).read_bytes(), headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 201, (name, response.text)
    with server.client("root") as admin:
        assert admin.get("/lineage/dataset:s3://lake/raw/events").status_code == 200
        full = json.loads((UPSTREAM / "spec_example_full_event.json").read_text(encoding="utf-8"))
        assert admin.get(f"/lineage/run:{full['run']['runId']}").status_code == 200


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "START",
        "eventTime": "2026-03-01T10:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow", "name": "bad_dag.task"},
        "inputs": [{"namespace": "s3://in", "name": "x"}],
        "outputs": [],
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    event.update(overrides)
    return event


@pytest.mark.parametrize(
    ("body", "status", "code", "where"),
    [
        (b'{"eventType": "START", ', 400, "json_parse_error", None),
        (json.dumps(_event(run={"runId": "not-a-uuid"})).encode(), 400, "openlineage_invalid", "$.run.runId"),
        (json.dumps(_event(job={"namespace": "airflow"})).encode(), 400, "openlineage_invalid", "$.job"),
        (json.dumps(_event(eventType="FINISHED")).encode(), 400, "openlineage_invalid", "$.eventType"),
        (
            json.dumps(
                _event(
                    inputs=[
                        {
                            "namespace": "s3://in",
                            "name": "x",
                            "facets": {
                                "schema": {
                                    "_producer": PRODUCER,
                                    "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json",
                                    "fields": [{"type": "int"}],
                                }
                            },
                        }
                    ]
                )
            ).encode(),
            400,
            "openlineage_invalid",
            "$.inputs[0].facets.schema.fields[0]",
        ),
        (json.dumps([_event(), 7]).encode(), 400, "openlineage_invalid", "event 1"),
        (b"[]", 400, "openlineage_invalid", None),
    ],
    # explicit ids: the bodies hold random run ids, and xdist needs every worker to collect the same ids
    ids=[
        "truncated-json",
        "run-id-not-uuid",
        "job-without-name",
        "unknown-event-type",
        "schema-field-unnamed",
        "batch-with-a-number",
        "empty-batch",
    ],
)
def test_malformed_events_are_problems_and_store_nothing(
    server: Any, writer_token: str, kit: Any, body: bytes, status: int, code: str, where: str | None
) -> None:
    url = server.url + "/api/v1/lineage"
    headers = {"Authorization": f"Bearer {writer_token}", "Content-Type": "application/json"}
    with server.client("root") as admin:
        before = admin.get("/ledger/entries", params={"limit": 1000}).json()
        problem = kit.problem(httpx.post(url, content=body, headers=headers), status, code)
        if where is not None:
            assert where in json.dumps(problem.get("location", {})), problem
        after = admin.get("/ledger/entries", params={"limit": 1000}).json()
    assert after == before
    if code == "openlineage_invalid":  # not even the valid events of a rejected body are stored
        doc = json.loads(body)
        with server.client("root") as admin:
            for event in doc if isinstance(doc, list) else [doc]:
                run_id = event.get("run", {}).get("runId") if isinstance(event, dict) else None
                if run_id and run_id != "not-a-uuid":
                    kit.problem(admin.get(f"/lineage/run:{run_id}"), 404)


def test_lineage_writer_reads_nothing_and_gzip_bombs_are_refused(server: Any, writer_token: str, kit: Any) -> None:
    headers = {"Authorization": f"Bearer {writer_token}"}
    kit.problem(httpx.get(server.url + "/v1/models", headers=headers), 403, "role_forbidden")
    with server.client("audrey") as auditor:
        kit.problem(auditor.post(server.url + "/api/v1/lineage", json=_event()), 403, "role_forbidden")
    kit.problem(httpx.post(server.url + "/api/v1/lineage", json=_event()), 401, "missing_token")
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]")
    response = httpx.post(
        server.url + "/api/v1/lineage",
        content=bomb,
        headers={**headers, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    kit.problem(response, 400, "json_parse_error")
