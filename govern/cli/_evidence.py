"""`govern evidence add`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._codes import INVALID_OPTION
from ._common import WorkspaceOption, open_workspace

app = typer.Typer(help="Attach evidence (data, models, explanations) to a model version.", no_args_is_help=True)


@app.command()
def add(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    file: Path | None = typer.Argument(
        None, help="CSV, Parquet, a dataset directory or glob (streamed into partials), or a .skops model"
    ),
    role: str = typer.Option(..., "--role", help="evaluation, reference, current, model, explanation or partials"),
    partials: Path | None = typer.Option(None, "--partials", help="pre-computed partial statistics instead of data"),
    label: str | None = typer.Option(None, "--label"),
    prediction: str | None = typer.Option(None, "--prediction"),
    score: str | None = typer.Option(None, "--score"),
    sensitive: str | None = typer.Option(None, "--sensitive", help="comma-separated columns"),
    positive: str | None = typer.Option(None, "--positive", help="label value of the positive class"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Store FILE content-addressed as ROLE evidence (validated first; pickle is refused).

    A directory or glob is streamed and stored as its partial statistics (never copied).
    """
    from govern.core import GovernError

    if (file is None) == (partials is None):
        raise GovernError(INVALID_OPTION, "give either FILE or --partials FILE")
    source = file if file is not None else partials
    assert source is not None
    mapping = {
        "label": label,
        "prediction": prediction,
        "score": score,
        "positive": positive,
        "sensitive": [s.strip() for s in sensitive.split(",") if s.strip()] if sensitive else [],
    }
    with open_workspace(workspace) as ws:
        ev = ws.add_evidence(ref, role, source, mapping={k: v for k, v in mapping.items() if v})
    rows = f" ({ev.provenance['rows']} rows as partials)" if getattr(ev, "provenance", None) else ""
    typer.echo(f"{ref}: {role} evidence {ev.digest}{rows}")
