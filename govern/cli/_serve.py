"""`govern serve`: the approval API (and web inbox) under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ._common import WorkspaceOption


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="interface to bind"),
    port: int = typer.Option(8000, "--port", help="TCP port"),
    workers: int = typer.Option(1, "--workers", min=1, help="worker processes (each delivers webhooks)"),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Serve the approval API: OpenAPI at /docs and /openapi.json, problem+json errors."""
    import uvicorn

    from govern.workspace import Workspace

    if workspace is not None:
        os.environ["GOVERN_WORKSPACE"] = str(workspace)  # the factory runs in each worker process
    Workspace.open(workspace).close()  # fail fast (exit 2) on a missing or outdated workspace
    typer.echo(f"govern serve: http://{host}:{port}/v1 (OpenAPI at /docs), {workers} worker(s)", err=True)
    uvicorn.run(
        "govern.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
