"""`govern monitor run|status`: post-market monitoring plans (EU AI Act Art. 72) enforced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ._common import Format, WorkspaceOption, emit_json, format_option, open_workspace
from ._exits import Outcome, decision_outcome

app = typer.Typer(help="Post-market monitoring: plans per tier, runs on current windows, what is overdue.")

OutFormat = format_option(Format.TEXT, Format.JSON)


def _line(s: Any) -> str:
    last = f"last run {s.last_run_at:%Y-%m-%d} ({s.last_outcome})" if s.last_run_at else "never monitored"
    state = "OVERDUE since" if s.overdue else "next due"
    hold = " (holds promotion)" if s.overdue and s.hold_promotion else ""
    return f"{s.model:<28} {s.tier:<8} every {s.every_days:g}d; {last}; {state} {s.due_at:%Y-%m-%d}{hold}"


@app.command()
def run(
    model: str = typer.Argument(..., help="production model version NAME@VERSION"),
    current: Path = typer.Option(..., "--current", help="a window of production data (file or dataset directory)"),
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> Outcome:
    """Run the retraining gate on a current window and record it as the model's monitoring run."""
    from govern.decisions import monitoring_status

    with open_workspace(workspace) as ws:
        decision = ws.gate_retrain(model, current)
        with ws.store.read() as session:
            status = next((s for s in monitoring_status(session, ws.packs) if s.model == decision.model), None)
    if fmt is Format.JSON:
        emit_json({"decision": decision.id, "outcome": decision.outcome, "plan": status.to_dict() if status else None})
    else:
        typer.echo(f"monitoring run {decision.id}: {decision.outcome.upper()} ({len(decision.findings)} rules)")
        typer.echo(_line(status) if status else f"{decision.model} has no monitoring plan (not in production)")
    return decision_outcome(decision)


@app.command()
def status(fmt: Format = OutFormat, workspace: Path | None = WorkspaceOption) -> None:
    """Every production model with a monitoring plan: last run, next due date, overdue first."""
    from govern.decisions import monitoring_status

    with open_workspace(workspace) as ws, ws.store.read() as session:
        found = monitoring_status(session, ws.packs)
    if fmt is Format.JSON:
        emit_json([s.to_dict() for s in found])
        return
    for s in found:
        typer.echo(_line(s))
    if not found:
        typer.echo("no production model has a monitoring plan")
