"""`govern gate promote|retrain`: the CI-facing gates. Exit codes carry the answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ._common import Format, WorkspaceOption, emit_text, format_option, open_workspace, progress_printer
from ._exits import Outcome, decision_outcome

if TYPE_CHECKING:
    from govern.decisions import Decision
    from govern.decisions import Format as DecisionFormat

app = typer.Typer(
    help="Promotion and retraining gates (exit 0 allow, 1 deny, 3 pending, 4 retrain).", no_args_is_help=True
)

ReportFormat = format_option(Format.TEXT, Format.JSON, Format.JUNIT, Format.MARKDOWN, Format.SARIF)
_RENDERED: dict[Format, DecisionFormat] = {
    Format.TEXT: "text",
    Format.JSON: "json",
    Format.JUNIT: "junit",
    Format.MARKDOWN: "markdown",
    Format.SARIF: "sarif",
}


def _finish(decision: Decision, fmt: Format, output: Path | None) -> Outcome:
    from govern.decisions import render

    emit_text(render(decision, _RENDERED[fmt]), output)
    if output is not None:
        sys.stderr.write(f"{decision.outcome}: {decision.model} (written to {output})\n")
    return decision_outcome(decision)


@app.command()
def promote(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    to: str = typer.Option(
        ..., "--to", help="target: staging, production or one declared in promotion_targets (e.g. champion)"
    ),
    fmt: Format = ReportFormat,
    output: Path | None = typer.Option(None, "--output", "-o", help="write the report here"),
    requester: str | None = typer.Option(None, "--requester", envvar="GOVERN_ACTOR", help="who asks"),
    progress: bool = typer.Option(sys.stderr.isatty(), "--progress/--no-progress"),
    workspace: Path | None = WorkspaceOption,
) -> Outcome:
    """Evaluate every applicable rule; allow moves the model to the stage."""
    with open_workspace(workspace, requester) as ws:
        decision = ws.gate_promote(ref, to, progress=progress_printer(progress))
    return _finish(decision, fmt, output)


@app.command()
def retrain(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    current: Path = typer.Option(..., "--current", help="fresh production data (CSV or Parquet)"),
    fmt: Format = ReportFormat,
    output: Path | None = typer.Option(None, "--output", "-o"),
    requester: str | None = typer.Option(None, "--requester", envvar="GOVERN_ACTOR"),
    progress: bool = typer.Option(sys.stderr.isatty(), "--progress/--no-progress"),
    workspace: Path | None = WorkspaceOption,
) -> Outcome:
    """Run the drift rules on CURRENT: monitor (0), review (3) or retrain (4)."""
    with open_workspace(workspace, requester) as ws:
        decision = ws.gate_retrain(ref, current, progress=progress_printer(progress))
    return _finish(decision, fmt, output)
