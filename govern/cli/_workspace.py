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

    @app.command()
    def demo(
        base: Path = typer.Option(Path(), "--dir", help="create the demo folder under this one"),
    ) -> None:
        """Run the end-to-end demo in a new folder: data, models, gates, approvals, drift, audit."""
        import time

        from govern.demo import run_demo

        started = time.perf_counter()
        summary = run_demo(base, typer.echo)
        typer.echo(f"\n== Summary ({time.perf_counter() - started:.0f} s)")
        for line in summary.lines:
            typer.echo(f"   {line}")
        for name, path in summary.files.items():
            typer.echo(f"   {name}: {path}")
