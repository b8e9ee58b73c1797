"""`govern evidence add`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import WorkspaceOption, open_workspace

app = typer.Typer(help="Attach evidence (data, models, explanations) to a model version.", no_args_is_help=True)


@app.command()
def add(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    file: Path = typer.Argument(..., help="CSV, Parquet, or a .skops model"),
    role: str = typer.Option(..., "--role", help="evaluation, reference, current, model or explanation"),
    label: str | None = typer.Option(None, "--label"),
    prediction: str | None = typer.Option(None, "--prediction"),
    score: str | None = typer.Option(None, "--score"),
    sensitive: str | None = typer.Option(None, "--sensitive", help="comma-separated columns"),
    positive: str | None = typer.Option(None, "--positive", help="label value of the positive class"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Store FILE content-addressed as ROLE evidence (validated first; pickle is refused)."""
    mapping = {
        "label": label,
        "prediction": prediction,
        "score": score,
        "positive": positive,
        "sensitive": [s.strip() for s in sensitive.split(",") if s.strip()] if sensitive else [],
    }
    with open_workspace(workspace) as ws:
        ev = ws.add_evidence(ref, role, file, mapping={k: v for k, v in mapping.items() if v})
    typer.echo(f"{ref}: {role} evidence {ev.digest}")
