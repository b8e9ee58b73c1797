"""`govern gate promote|retrain`: the CI-facing gates. Exit codes carry the answer."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from ._common import WorkspaceOption, emit_text, open_workspace, progress_printer

app = typer.Typer(
    help="Promotion and retraining gates (exit 0 allow, 1 deny, 3 pending, 4 retrain).", no_args_is_help=True
)


class Fmt(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    markdown = "markdown"
    sarif = "sarif"


def _finish(decision, fmt: Fmt, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    from govern.decisions import render

    emit_text(render(decision, fmt.value), output)
    if output is not None:
        sys.stderr.write(f"{decision.outcome}: {decision.model} (written to {output})\n")
    raise typer.Exit(decision.exit_code)


@app.command()
def promote(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    to: str = typer.Option(..., "--to", help="target stage: staging or production"),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
    output: Path | None = typer.Option(None, "--output", "-o", help="write the report here"),
    requester: str | None = typer.Option(None, "--requester", envvar="GOVERN_ACTOR", help="who asks"),
    progress: bool = typer.Option(sys.stderr.isatty(), "--progress/--no-progress"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Evaluate every applicable rule; allow moves the model to the stage."""
    with open_workspace(workspace, requester) as ws:
        decision = ws.gate_promote(ref, to, progress=progress_printer(progress))
    _finish(decision, fmt, output)


@app.command()
def retrain(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    current: Path = typer.Option(..., "--current", help="fresh production data (CSV or Parquet)"),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
    output: Path | None = typer.Option(None, "--output", "-o"),
    requester: str | None = typer.Option(None, "--requester", envvar="GOVERN_ACTOR"),
    progress: bool = typer.Option(sys.stderr.isatty(), "--progress/--no-progress"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Run the drift rules on CURRENT: monitor (0), review (3) or retrain (4)."""
    with open_workspace(workspace, requester) as ws:
        decision = ws.gate_retrain(ref, current, progress=progress_printer(progress))
    _finish(decision, fmt, output)
