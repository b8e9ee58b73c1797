"""`govern report ...` commands: the model and period compliance reports (PDF/A-3b or HTML)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import typer

from ._common import WorkspaceOption, open_workspace

app = typer.Typer(help="Compliance reports: one model version, or every decision in a period.", no_args_is_help=True)
OutputOption = typer.Option(..., "--output", "-o", help="FILE.pdf (PDF/A-3b, evidence attached) or FILE.html")


def _day(text: str, *, end: bool = False) -> datetime:
    """A date or time; a bare date as --to means the whole of that day."""
    from govern.core import parse_time

    value = parse_time(text)
    return value + timedelta(days=1) if end and "T" not in text and " " not in text.strip() else value


@app.command("model")
def model(
    ref: str = typer.Argument(..., help="Model version, e.g. credit-risk-lr@1"),
    output: Path = OutputOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Write the model report: card, lineage, rules, fairness, drift, SHAP, reviews, ledger, controls."""
    with open_workspace(workspace) as ws:
        data = ws.report_model(ref, output)
    outcome = data.decision.outcome if data.decision else "no decision"
    sys.stdout.write(f"wrote {output} ({data.model}: {outcome}; {len(data.evidence.proofs)} inclusion proofs)\n")


@app.command("annex-iv")
def annex_iv(
    ref: str = typer.Argument(..., help="Model version, e.g. credit-risk-lr@1"),
    output: Path = typer.Option(..., "--output", "-o", help="FILE.pdf (PDF/A-3b) or FILE.html"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Write the EU AI Act Annex IV technical documentation: nine sections, each with its status."""
    with open_workspace(workspace) as ws:
        sections = ws.report_annex_iv(ref, output)
    done = sum(s.status == "complete" for s in sections)
    sys.stdout.write(f"wrote {output} ({done} of {len(sections)} Annex IV sections complete)\n")
    for s in sections:
        if s.status != "complete":
            sys.stdout.write(f"  {s.number}. {s.title}: {s.status}; missing {'; '.join(s.missing)}\n")


@app.command("period")
def period(
    start: str = typer.Option(..., "--from", help="First day (or time) of the period, ISO 8601"),
    end: str = typer.Option(..., "--to", help="Last day of the period (inclusive), or an exclusive end time"),
    output: Path = OutputOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Write the period report: exceptions first, then every decision, review and stage change."""
    with open_workspace(workspace) as ws:
        data = ws.report_period(_day(start), _day(end, end=True), output)
    sys.stdout.write(f"wrote {output} ({len(data.decisions)} decisions, {len(data.exceptions)} exceptions)\n")
