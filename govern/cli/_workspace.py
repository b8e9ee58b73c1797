"""Top-level commands: ``govern init``."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import WorkspaceOption


def register(app: typer.Typer) -> None:
    """Add the workspace commands to ``app``."""

    @app.command()
    def init(workspace: Path | None = WorkspaceOption) -> None:
        """Create .govern/ (SQLite database, signing key, settings), or upgrade it in place."""
        from govern.workspace import Workspace

        with Workspace.init(workspace) as ws:
            where = ws.store.url if ws.settings.database_url else ws.settings.workspace
            typer.echo(f"workspace ready: {ws.settings.workspace} (database: {where})")
