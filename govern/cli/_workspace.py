"""Top-level commands: ``govern init``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the workspace commands to ``app``."""
