"""`govern finding open|remediate|close|list` and `govern review record|status` (SR 11-7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ._common import (
    AsOption,
    Format,
    WorkspaceOption,
    emit_json,
    emit_text,
    format_option,
    local_principal,
    open_workspace,
)

findings = typer.Typer(help="Validation findings, tracked to remediation and closure.", no_args_is_help=True)
reviews = typer.Typer(help="Periodic model reviews and when the next one is due.", no_args_is_help=True)

OutFormat = format_option(Format.TEXT, Format.JSON)


def _show(finding: Any, fmt: Format) -> None:
    if fmt is Format.JSON:
        emit_json(finding.to_dict())
        return
    state = finding.status + (" OVERDUE" if finding.overdue() else "")
    typer.echo(f"{finding.id}: {finding.title} [{finding.severity}, {state}]")
    typer.echo(f"  on {finding.model}; owner {finding.owner}; due {finding.due_at:%Y-%m-%d}")
    if finding.remediation:
        typer.echo(f"  remediated: {finding.remediation}")
    if finding.closed_by:
        typer.echo(f"  closed by {finding.closed_by}: {finding.closure}")


@findings.command("open")
def open_(
    model: str = typer.Argument(..., help="model version NAME@VERSION"),
    title: str = typer.Option(..., "--title"),
    severity: str = typer.Option(..., "--severity", help="high (holds promotion until closed), medium or low"),
    owner: str = typer.Option(..., "--owner", help="who remediates it"),
    due: str = typer.Option(..., "--due", help="remediation due date (ISO time)"),
    description: str = typer.Option("", "--description"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Record a validation finding on a model version."""
    from govern.core import parse_time
    from govern.reviews import open_finding

    with open_workspace(workspace) as ws:
        who = local_principal(ws, actor)
        finding = open_finding(
            ws.context,
            who,
            model,
            title=title,
            severity=severity,
            owner=owner,
            due_at=parse_time(due),
            description=description,
        )
    _show(finding, fmt)


@findings.command()
def remediate(
    finding_id: str,
    remediation: str = typer.Option(..., "--remediation", help="what was done"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Record the remediation of a finding (its owner)."""
    from govern.reviews import remediate_finding

    with open_workspace(workspace) as ws:
        finding = remediate_finding(ws.context, local_principal(ws, actor), finding_id, remediation=remediation)
    _show(finding, fmt)


@findings.command()
def close(
    finding_id: str,
    closure: str = typer.Option(..., "--closure", help="why the finding is accepted as resolved"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Close a finding (a validator, risk officer or admin who does not own the model)."""
    from govern.reviews import close_finding

    with open_workspace(workspace) as ws:
        finding = close_finding(ws.context, local_principal(ws, actor), finding_id, closure=closure)
    _show(finding, fmt)


@findings.command("list")
def list_(
    model: str | None = typer.Option(None, "--model", help="only this model version"),
    status: str | None = typer.Option(None, "--status", help="open (not closed), remediated or closed"),
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """List validation findings, oldest first."""
    from govern.reviews import list_findings

    with open_workspace(workspace) as ws, ws.store.read() as session:
        found = list_findings(session, model=model, status=status)
    if fmt is Format.JSON:
        emit_json([f.to_dict() for f in found])
        return
    for f in found:
        typer.echo(f"{f.id}  {f.severity:<6} {f.status:<10} {f.model:<30} due {f.due_at:%Y-%m-%d}  {f.title}")


@reviews.command()
def record(
    model: str = typer.Argument(..., help="model version NAME@VERSION"),
    outcome: str = typer.Option(..., "--outcome", help="satisfactory, needs_remediation or unsatisfactory"),
    note: str = typer.Option("", "--note"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Record a periodic review; the next is due after the model's tier interval."""
    from govern.reviews import record_review

    with open_workspace(workspace) as ws:
        status = record_review(ws.context, local_principal(ws, actor), model, outcome=outcome, note=note)
    _status(status, fmt)


@reviews.command()
def status(
    model: str = typer.Argument(..., help="model version NAME@VERSION"),
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """When a model version's next periodic review is due, and whether it is overdue."""
    from govern.reviews import review_status

    with open_workspace(workspace) as ws, ws.store.read() as session:
        current = review_status(session, model)
    _status(current, fmt)


def _status(current: Any, fmt: Format) -> None:
    if fmt is Format.JSON:
        emit_json(current.to_dict())
        return
    last = (
        f"last reviewed {current.last_reviewed_at:%Y-%m-%d} by {current.reviewer} ({current.last_outcome})"
        if current.last_reviewed_at
        else "never reviewed"
    )
    due = "OVERDUE since" if current.overdue else "next review due"
    typer.echo(f"{current.model} [{current.tier}]: {last}; {due} {current.next_due_at:%Y-%m-%d}")


@reviews.command("inventory")
def inventory_(
    fmt: Format = format_option(Format.TEXT, Format.CSV, Format.JSON),
    output: Path | None = typer.Option(None, "--output", "-o", help="write to this file"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """The model inventory: every model version with tier, stage, owner, review status and open findings."""
    import csv
    import io

    from govern.reviews import INVENTORY_COLUMNS, inventory

    with open_workspace(workspace) as ws, ws.store.read() as session:
        rows = inventory(session)
    if fmt is Format.JSON:
        emit_json(rows, output)
        return
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(INVENTORY_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        emit_text(buffer.getvalue(), output)
        return
    lines = [
        f"{r['model']:<28} {r['tier']:<8} {r['stage']:<10} owner {r['owner']:<8} review due {r['next_review_due'][:10]}"
        + (" OVERDUE" if r["review_overdue"] else "")
        + f"  open findings {r['open_findings_high']}/{r['open_findings_medium']}/{r['open_findings_low']} (h/m/l)"
        for r in rows
    ]
    emit_text("".join(line + "\n" for line in lines), output)
