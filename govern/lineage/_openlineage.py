"""OpenLineage events (spec 2-0-x: RunEvent, DatasetEvent, JobEvent) to lineage.

Files and ``POST /api/v1/lineage`` share this code: :func:`parse_event` validates one event
against the official schemas (``_olschema``) and then reads the fields govern interprets.

Mapping: the run is ``run:<runId>`` (job ``<namespace>/<name>``); an input is the newest version
of ``dataset:<namespace>/<name>`` that this run did not write (registered as a new version when
unknown); each output is a new version produced by the run, reused when a later event of the
same run (START then COMPLETE) names it again. So a job that reads and writes one table makes
``t@n -> run -> t@n+1``, not a cycle. Facets read: ``schema``, ``dataSource``, ``ownership``
(dataset and job), ``sourceCodeLocation`` (job: code commit), ``processing_engine`` (run:
environment), and govern's own dataset facet ``govern_datacard`` (source, license,
contains_pii, consent, deprecated). A DatasetEvent records (or updates the newest version of)
its dataset; a JobEvent records its input and output datasets (a job without a run has no edges).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from govern.core import GovernError, Location, dataset_name

from ._codes import FILE_UNREADABLE, JSON_PARSE_ERROR, OPENLINEAGE_INVALID
from ._graph import add_edge, check_acyclic, edge_t, find_node, latest_version, node_t
from ._record import DataCard, DatasetSpec, RunSpec, record_dataset, record_run


class _Facets(BaseModel):
    model_config = ConfigDict(extra="allow")


class _SchemaField(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1)
    type: str | None = None
    description: str | None = None


class _SchemaFacet(BaseModel):
    model_config = ConfigDict(extra="allow")
    fields: list[_SchemaField] = []


class _DataSourceFacet(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = None
    uri: str | None = None


class _Owner(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1)
    type: str | None = None


class _OwnershipFacet(BaseModel):
    model_config = ConfigDict(extra="allow")
    owners: list[_Owner] = []


class _DataCardFacet(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str | None = None
    license: str | None = None
    contains_pii: bool = False
    consent: str = ""
    deprecated: bool = False


class _DatasetFacets(BaseModel):
    model_config = ConfigDict(extra="allow")
    schema_: _SchemaFacet | None = Field(None, alias="schema")
    dataSource: _DataSourceFacet | None = None
    ownership: _OwnershipFacet | None = None
    govern_datacard: _DataCardFacet | None = None


class _Dataset(BaseModel):
    model_config = ConfigDict(extra="allow")
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    facets: _DatasetFacets = Field(default_factory=lambda: _DatasetFacets.model_validate({}))


class _SourceCode(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str | None = None
    url: str | None = None
    version: str | None = None


class _JobFacets(BaseModel):
    model_config = ConfigDict(extra="allow")
    sourceCodeLocation: _SourceCode | None = None
    ownership: _OwnershipFacet | None = None


class _Job(BaseModel):
    model_config = ConfigDict(extra="allow")
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    facets: _JobFacets = _JobFacets()


class _Run(BaseModel):
    model_config = ConfigDict(extra="allow")
    runId: UUID
    facets: _Facets = _Facets()


class RunEvent(BaseModel):
    """An OpenLineage RunEvent; unknown facets are kept but not interpreted."""

    model_config = ConfigDict(extra="allow")
    eventType: Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"] | None = None
    eventTime: datetime
    run: _Run
    job: _Job
    inputs: list[_Dataset] = []
    outputs: list[_Dataset] = []
    producer: str = Field(min_length=1)
    schemaURL: str = Field(min_length=1)


class DatasetEvent(BaseModel):
    """An OpenLineage DatasetEvent (a dataset's metadata changed, no run)."""

    model_config = ConfigDict(extra="allow")
    eventTime: datetime
    dataset: _Dataset
    producer: str = Field(min_length=1)
    schemaURL: str = Field(min_length=1)


class JobEvent(BaseModel):
    """An OpenLineage JobEvent (a job's metadata, no run)."""

    model_config = ConfigDict(extra="allow")
    eventTime: datetime
    job: _Job
    inputs: list[_Dataset] = []
    outputs: list[_Dataset] = []
    producer: str = Field(min_length=1)
    schemaURL: str = Field(min_length=1)


@dataclass
class ParsedEvent:
    index: int
    raw: dict[str, Any]
    event: RunEvent | DatasetEvent | JobEvent

    @property
    def key(self) -> dict[str, Any]:
        """What makes two events the same delivery: a run's ``runId`` and ``eventType`` for the
        state transitions (START, COMPLETE, FAIL, ABORT: each happens once per run), the whole
        event otherwise (RUNNING/OTHER events, dataset and job events may come many times)."""
        ev = self.event
        if isinstance(ev, RunEvent) and ev.eventType in ("START", "COMPLETE", "FAIL", "ABORT"):
            return {"openlineage": "run", "runId": str(ev.run.runId), "eventType": ev.eventType}
        return self.raw


_MODELS: dict[str, type[RunEvent] | type[DatasetEvent] | type[JobEvent]] = {
    "run": RunEvent,
    "dataset": DatasetEvent,
    "job": JobEvent,
}


def parse_event(raw: Any, index: int, where: Location) -> ParsedEvent:
    """Validate one decoded event (schema, then govern's reading of it); a located
    ``GovernError(openlineage_invalid)`` otherwise. ``where.path`` prefixes the JSON path."""
    from ._olschema import validate_event

    if not isinstance(raw, dict):
        raise GovernError(OPENLINEAGE_INVALID, "an event must be a JSON object", where)
    kind = validate_event(raw, where)
    try:
        event = _MODELS[kind].model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        prefix = f"{where.path}: " if where.path else ""
        loc = Location(where.file, where.line, where.col, path=f"{prefix}{_json_path(err['loc'])}")
        raise GovernError(OPENLINEAGE_INVALID, err["msg"], loc) from None
    return ParsedEvent(index, raw, event)


def _json_path(loc: tuple[Any, ...]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def read_events(path: Path) -> list[ParsedEvent]:
    """Parse and validate every event of a ``.json`` (one event or a list) or ``.jsonl`` file.

    Raises ``GovernError(openlineage_invalid)`` naming the file, the event index and the JSON
    path of the first problem, or ``json_parse_error`` with line and column.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GovernError(FILE_UNREADABLE, str(exc), Location(str(path))) from None
    raw_events: list[tuple[int, Any]] = []
    if path.suffix == ".jsonl":
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                raw_events.append((len(raw_events), _loads(line, path, lineno)))
    else:
        doc = _loads(text, path, 0)
        docs = doc if isinstance(doc, list) else [doc]
        raw_events = list(enumerate(docs))
    if not raw_events:
        raise GovernError(OPENLINEAGE_INVALID, "no events in file", Location(str(path)))
    return [parse_event(raw, index, Location(str(path), path=f"event {index}")) for index, raw in raw_events]


def _loads(text: str, path: Path, line_offset: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = line_offset or exc.lineno
        col = exc.colno
        raise GovernError(JSON_PARSE_ERROR, exc.msg, Location(str(path), line, col)) from None


def _card(facets: _DatasetFacets) -> DataCard | None:
    card = facets.govern_datacard
    if card is None:
        return None
    return DataCard(card.source, card.license, card.contains_pii, card.consent, card.deprecated)


def _dataset_spec(ds: _Dataset, version: str | None) -> DatasetSpec:
    f = ds.facets
    return DatasetSpec(
        name=dataset_name(ds.namespace, ds.name),
        version=version,
        uri=f.dataSource.uri if f.dataSource else None,
        schema=[fld.model_dump(exclude_none=True) for fld in f.schema_.fields] if f.schema_ else None,
        owner=f.ownership.owners[0].name if f.ownership and f.ownership.owners else None,
        card=_card(f),
    )


def _produced_by(session: Session, run_node: int, name: str) -> int | None:
    row = session.execute(
        sa.select(edge_t.c.dst)
        .join(node_t, node_t.c.id == edge_t.c.dst)
        .where(edge_t.c.src == run_node, edge_t.c.kind == "produced", node_t.c.name == name, node_t.c.kind == "dataset")
    ).first()
    return row[0] if row else None


def ingest_event(session: Session, parsed: ParsedEvent, where: str) -> None:
    """Record one validated event in the caller's session."""
    ev = parsed.event
    if isinstance(ev, DatasetEvent):
        found = latest_version(session, "dataset", dataset_name(ev.dataset.namespace, ev.dataset.name))
        record_dataset(session, _dataset_spec(ev.dataset, found[1] if found else None))
        return
    if isinstance(ev, JobEvent):
        for ds in [*ev.inputs, *ev.outputs]:
            found = latest_version(session, "dataset", dataset_name(ds.namespace, ds.name))
            record_dataset(session, _dataset_spec(ds, found[1] if found else None))
        return
    run_id = str(ev.run.runId)
    existed = find_node(session, "run", run_id, None) is not None
    done = ev.eventType in ("COMPLETE", "FAIL", "ABORT")
    engine = ev.run.facets.model_extra.get("processing_engine") if ev.run.facets.model_extra else None
    job_facets = ev.job.facets
    run_node, _ = record_run(
        session,
        RunSpec(
            id=run_id,
            job=f"{ev.job.namespace}/{ev.job.name}",
            code_commit=job_facets.sourceCodeLocation.version if job_facets.sourceCodeLocation else None,
            author=job_facets.ownership.owners[0].name
            if job_facets.ownership and job_facets.ownership.owners
            else None,
            environment={"processing_engine": engine} if isinstance(engine, dict) else {},
            status=ev.eventType,
            started_at=ev.eventTime if ev.eventType == "START" else None,
            ended_at=ev.eventTime if done else None,
        ),
    )
    new_edges: list[tuple[int, int]] = []
    outputs_of_run: list[int] = []
    for ds in ev.outputs:
        name = dataset_name(ds.namespace, ds.name)
        node = _produced_by(session, run_node, name)
        node, _ = record_dataset(session, _dataset_spec(ds, _version_of(session, node)))
        outputs_of_run.append(node)
    for ds in ev.inputs:
        name = dataset_name(ds.namespace, ds.name)
        found = latest_version(session, "dataset", name, exclude=outputs_of_run + _all_outputs(session, run_node))
        node, _ = record_dataset(session, _dataset_spec(ds, found[1] if found else None))
        if add_edge(session, node, run_node, "consumed"):
            new_edges.append((node, run_node))
    for node in outputs_of_run:
        if add_edge(session, run_node, node, "produced"):
            new_edges.append((run_node, node))
    if existed:
        check_acyclic(session, new_edges, where)


def _version_of(session: Session, node: int | None) -> str | None:
    if node is None:
        return None
    version = session.execute(sa.select(node_t.c.version).where(node_t.c.id == node)).scalar_one()
    return None if version is None else str(version)


def _all_outputs(session: Session, run_node: int) -> list[int]:
    return list(
        session.execute(sa.select(edge_t.c.dst).where(edge_t.c.src == run_node, edge_t.c.kind == "produced")).scalars()
    )
