"""`govern lineage ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="lineage commands", no_args_is_help=True)
