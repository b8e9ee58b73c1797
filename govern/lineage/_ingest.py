"""Ingest files (OpenLineage ``.json``/``.jsonl``, govern manifests ``.yaml``) in one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, Location, content_digest, json_digest, utcnow
from govern.store import table_of

from ._codes import FILE_NOT_FOUND, OPENLINEAGE_INVALID, UNSUPPORTED_FILE
from ._graph import counts
from ._manifest import ingest_manifest, read_manifest
from ._openlineage import ParsedEvent, ingest_event, parse_event, read_events
from ._tables import IngestedEvent

_MANIFEST_SUFFIXES = (".yaml", ".yml")
_EVENT_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class IngestResult:
    """What one file added. ``duplicates`` counts events already ingested before."""

    file: str
    digest: str
    events: int
    duplicates: int
    nodes: int
    edges: int


def validate_file(path: Path) -> None:
    """Parse and schema-check ``path`` without touching the database (located errors)."""
    if not path.is_file():
        raise GovernError(FILE_NOT_FOUND, "no such file", Location(str(path)))
    if path.suffix in _MANIFEST_SUFFIXES:
        read_manifest(path)
    elif path.suffix in _EVENT_SUFFIXES:
        read_events(path)
    else:
        raise GovernError(
            UNSUPPORTED_FILE,
            "expected OpenLineage .json/.jsonl or a govern manifest .yaml",
            Location(str(path)),
        )


def _seen(session: Session, digest: str) -> bool:
    table = table_of(IngestedEvent)
    return session.execute(sa.select(table.c.digest).where(table.c.digest == digest)).first() is not None


def _mark(session: Session, digest: str, source: str) -> None:
    session.execute(sa.insert(table_of(IngestedEvent)).values(digest=digest, source=source, ingested_at=utcnow()))


def ingest_file(session: Session, path: Path, *, actor: str) -> IngestResult:
    """Record every event or entry of ``path`` in ``session`` (the caller's ``Store.write()``
    transaction) and ledger ``lineage.ingested`` by ``actor`` in it when anything was new.

    The same event (or the same manifest content) ingested again is skipped. Raises a located
    ``GovernError``; the caller rolls back, so a rejected file stores nothing.
    """
    from govern.ledger import record

    validate_file(path)
    file_digest = content_digest(path.read_bytes())
    before = counts(session)
    events = dupes = 0
    if path.suffix in _MANIFEST_SUFFIXES:
        events = 1
        if _seen(session, file_digest):
            dupes = 1
        else:
            ingest_manifest(session, path)
            _mark(session, file_digest, str(path))
    else:
        parsed_events = read_events(path)
        events = len(parsed_events)
        dupes = _ingest_events(session, parsed_events, str(path))
    after = counts(session)
    nodes, edges = after["nodes"] - before["nodes"], after["edges"] - before["edges"]
    if events > dupes:
        record(
            session,
            actor=actor,
            kind="lineage.ingested",
            payload={
                "file": path.name,
                "digest": file_digest,
                "events": events,
                "duplicates": dupes,
                "nodes": nodes,
                "edges": edges,
            },
        )
    return IngestResult(str(path), file_digest, events, dupes, nodes, edges)


def _ingest_events(session: Session, parsed_events: list[ParsedEvent], source: str) -> int:
    """Record each event not ingested before (see ``ParsedEvent.key``); the number of duplicates."""
    dupes = 0
    for parsed in parsed_events:
        digest = json_digest(parsed.key)
        if _seen(session, digest):
            dupes += 1
            continue
        ingest_event(session, parsed, f"{source}: event {parsed.index}")
        _mark(session, digest, f"{source}#{parsed.index}")
    return dupes


def validate_events(raw_events: list[Any], source: str) -> list[ParsedEvent]:
    """Parse and schema-check decoded OpenLineage events (no database); located errors name
    ``source`` and the event index."""
    if not raw_events:
        raise GovernError(OPENLINEAGE_INVALID, "no events", Location(source))
    return [parse_event(raw, i, Location(source, path=f"event {i}")) for i, raw in enumerate(raw_events)]


def ingest_events(session: Session, raw_events: list[Any], *, source: str, actor: str) -> IngestResult:
    """Record decoded OpenLineage events (as ``POST /api/v1/lineage`` receives them) in ``session``,
    exactly as :func:`ingest_file` records a file's: same validation, same mapping, same
    idempotency (a run's START/COMPLETE/FAIL/ABORT once per ``runId``), ``lineage.ingested``
    ledgered by ``actor`` when anything was new. Raises a located ``GovernError``; the caller
    rolls back, so a rejected event stores nothing."""
    from govern.ledger import record

    parsed_events = validate_events(raw_events, source)
    digest = json_digest(raw_events)
    before = counts(session)
    dupes = _ingest_events(session, parsed_events, source)
    after = counts(session)
    nodes, edges = after["nodes"] - before["nodes"], after["edges"] - before["edges"]
    if len(parsed_events) > dupes:
        record(
            session,
            actor=actor,
            kind="lineage.ingested",
            payload={
                "source": source,
                "digest": digest,
                "events": len(parsed_events),
                "duplicates": dupes,
                "nodes": nodes,
                "edges": edges,
            },
        )
    return IngestResult(source, digest, len(parsed_events), dupes, nodes, edges)
