"""Route: an OpenLineage backend (``POST /api/v1/lineage``, where Marquez listens).

Airflow, Spark, dbt and Flink point their OpenLineage HTTP transport at ``govern serve``
(``OPENLINEAGE_URL``, ``OPENLINEAGE_API_KEY``: the transport sends the key as
``Authorization: Bearer``, so it is a govern token, typically of the ``lineage_writer`` role).
The body is one event (RunEvent, DatasetEvent or JobEvent of spec 2-0-x) or a JSON array of
events (``gzip`` content encoding accepted). Events go through the same validation and mapping as
``govern lineage ingest`` files: official JSON schema, then govern's reading; a rejected body
stores nothing. A run's START/COMPLETE/FAIL/ABORT counts once per ``runId``: a redelivery answers
200 with ``duplicates``, a new event 201.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from govern.core import GovernError, Location

from ._deps import Caller, requires

OPENLINEAGE_PREFIX = "/api/v1"
SOURCE = "POST /api/v1/lineage"
router = APIRouter()

_EVENT_SCHEMA = {
    "description": "An OpenLineage RunEvent, DatasetEvent or JobEvent "
    "(https://openlineage.io/spec/2-0-2/OpenLineage.json), or an array of them",
    "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}],
}


def _decode(body: bytes, encoding: str | None, max_bytes: int) -> Any:
    from govern.lineage import codes

    where = Location(SOURCE)
    if encoding and encoding.strip().lower() in ("gzip", "x-gzip"):
        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            body = inflater.decompress(body, max_bytes + 1)
        except (zlib.error, gzip.BadGzipFile) as exc:
            raise GovernError(codes.JSON_PARSE_ERROR, f"body is not valid gzip: {exc}", where) from None
        if len(body) > max_bytes:
            raise GovernError(codes.JSON_PARSE_ERROR, f"decompressed body exceeds {max_bytes} bytes", where)
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise GovernError(codes.JSON_PARSE_ERROR, f"body is not UTF-8: {exc.reason}", where) from None
    except json.JSONDecodeError as exc:
        raise GovernError(codes.JSON_PARSE_ERROR, exc.msg, Location(SOURCE, exc.lineno, exc.colno)) from None


@router.post(
    "/lineage",
    tags=["lineage"],
    summary="Receive OpenLineage events (the OpenLineage HTTP transport's endpoint)",
    status_code=201,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _EVENT_SCHEMA}}},
        "responses": {"200": {"description": "Every event was received before (nothing new stored)"}},
    },
)
async def receive_events(request: Request, caller: Caller = requires("lineage.write")) -> JSONResponse:
    from starlette.concurrency import run_in_threadpool

    body = await request.body()
    doc = _decode(body, request.headers.get("content-encoding"), caller.ws.settings.max_body_bytes)
    events = doc if isinstance(doc, list) else [doc]
    result = await run_in_threadpool(caller.ws.ingest_openlineage, events, source=SOURCE)
    content = {"events": result.events, "duplicates": result.duplicates, "nodes": result.nodes, "edges": result.edges}
    return JSONResponse(content, status_code=201 if result.events > result.duplicates else 200)
