"""Ingest files (OpenLineage ``.json``/``.jsonl``, govern manifests ``.yaml``) in one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, Location, content_digest, json_digest, utcnow
from govern.store import table_of

from ._codes import FILE_NOT_FOUND, UNSUPPORTED_FILE
from ._graph import counts
from ._manifest import ingest_manifest, read_manifest
from ._openlineage import ingest_event, read_events
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
        for parsed in read_events(path):
            events += 1
            digest = json_digest(parsed.raw)
            if _seen(session, digest):
                dupes += 1
                continue
            ingest_event(session, parsed, f"{path}: event {parsed.index}")
            _mark(session, digest, f"{path}#{parsed.index}")
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
