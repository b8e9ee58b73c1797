"""The FastAPI application: one Workspace, the routers, problem+json, limits, webhook delivery."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

API_PREFIX = "/v1"


def create_app(workspace: Path | str | None = None, *, deliver_webhooks: bool = True) -> Any:
    """Build the API over the workspace at ``workspace`` (default: ``GOVERN_WORKSPACE`` or ``./.govern``).

    ``app.state.workspace`` is the opened :class:`govern.workspace.Workspace`; every route acts
    through it (as the caller). A webhook delivery thread runs while the app is up unless
    ``deliver_webhooks`` is false. The web inbox (``govern.api.web``, when present) is mounted at
    ``/``. Raises ``GovernError`` when the workspace cannot be opened.
    """
    from fastapi import FastAPI

    from govern import __version__
    from govern.workspace import Workspace

    from . import _admin, _approvals, _incidents, _ledger, _models, _openlineage, _problems, _reports
    from ._idempotency import Idempotency
    from ._limits import BodyLimit

    ws = Workspace.open(workspace)
    ws.packs  # compile once at start-up: a broken pack fails here, not on the first request  # noqa: B018

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deliverer = None
        if deliver_webhooks:
            from govern.webhooks import Deliverer

            deliverer = Deliverer(ws.store)
            deliverer.start()
        try:
            yield
        finally:
            if deliverer is not None:
                deliverer.stop()
            ws.close()

    app = FastAPI(
        title="govern",
        version=__version__,
        description="Approval API of govern: models, lineage, evidence, gates, approvals, waivers, "
        "the audit ledger, tokens and webhooks. Errors are application/problem+json.",
        lifespan=lifespan,
    )
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    app.state.workspace = ws
    app.state.settings = ws.settings
    _problems.install(app)
    for module in (_models, _approvals, _ledger, _reports, _admin, _incidents):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(_openlineage.router, prefix=_openlineage.OPENLINEAGE_PREFIX)  # where OpenLineage clients post

    @app.get("/healthz", tags=["service"], summary="Liveness and database reachability (no auth)")
    def healthz() -> dict[str, str]:
        import sqlalchemy as sa

        with ws.store.read() as session:
            session.execute(sa.text("SELECT 1"))
        return {"status": "ok"}

    if importlib.util.find_spec("govern.api.web") is not None:
        from govern.api import web  # the web inbox, built on this API

        app.include_router(web.router)
    # Outermost last: BodyLimit sees the request before the idempotency layer buffers it.
    app.add_middleware(Idempotency, store=ws.store)
    app.add_middleware(BodyLimit, max_bytes=ws.settings.max_body_bytes)
    return app


def _openapi(app: Any) -> Any:
    """The OpenAPI document, with every error response documented as problem+json (FastAPI's
    default 422 schema is not what the API sends)."""
    from fastapi.openapi.utils import get_openapi

    from ._schemas import Problem

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema  # type: ignore[no-any-return]
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        schemas["Problem"] = Problem.model_json_schema()
        problem = {
            "description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses["4XX"] = problem
                responses["5XX"] = problem
        app.openapi_schema = schema
        return schema

    return build
