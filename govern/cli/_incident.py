"""`govern incident open|update|report|close|list|show`: serious incidents (EU AI Act Art. 73)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ._codes import INVALID_OPTION
from ._common import AsOption, Format, WorkspaceOption, emit_json, format_option, local_principal, open_workspace

app = typer.Typer(help="Serious incidents: statutory deadlines, reports, corrective actions.", no_args_is_help=True)

OutFormat = format_option(Format.TEXT, Format.JSON)
_CATEGORY_HELP = (
    "death_or_serious_harm (10 days), critical_infrastructure (2), widespread_infringement (2), "
    "fundamental_rights (15) or property_or_environment (15)"
)


def _time(text: str | None) -> Any:
    from govern.core import parse_time

    return parse_time(text) if text else None


def _show(incident: Any, fmt: Format) -> None:
    from govern.core import utcnow

    if fmt is Format.JSON:
        emit_json(incident.to_dict())
        return
    state = incident.status + (" OVERDUE" if incident.overdue(utcnow()) else "")
    typer.echo(f"{incident.id}: {incident.title} [{state}]")
    typer.echo(f"  category {incident.category} ({incident.to_dict()['definition']})")
    typer.echo(
        f"  aware {incident.aware_at:%Y-%m-%d %H:%M} UTC; initial report due within {incident.deadline_days} days, "
        f"by {incident.deadline_at:%Y-%m-%d %H:%M} UTC"
    )
    if incident.reported_at:
        late = " (late)" if incident.reported_late() else ""
        typer.echo(f"  reported {incident.reported_at:%Y-%m-%d %H:%M} UTC{late}")
    typer.echo(f"  affects {', '.join(link['ref'] for link in incident.links)}")
    typer.echo(f"  opened by {incident.opened_by} at {incident.opened_at:%Y-%m-%d %H:%M} UTC")
    for action in incident.corrective_actions:
        typer.echo(f"  corrective action by {action['by']} at {action['at'][:16]}: {action['action']}")
    for report in incident.reports:
        typer.echo(f"  {report.kind} report {report.filename} ({report.digest}) by {report.submitted_by}")
    if incident.closed_at:
        typer.echo(
            f"  closed by {incident.closed_by} at {incident.closed_at:%Y-%m-%d %H:%M} UTC: {incident.resolution}"
        )


@app.command("open")
def open_(
    title: str = typer.Option(..., "--title"),
    category: str = typer.Option(..., "--category", help=_CATEGORY_HELP),
    model: list[str] = typer.Option([], "--model", help="affected model version NAME@VERSION (repeatable)"),
    dataset: list[str] = typer.Option([], "--dataset", help="affected dataset or feature version (repeatable)"),
    description: str = typer.Option("", "--description"),
    aware_at: str | None = typer.Option(None, "--aware-at", help="when you became aware (ISO time; default now)"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Open an incident; its statutory reporting deadline follows from the category and --aware-at."""
    from govern.incidents import open_incident

    with open_workspace(workspace) as ws:
        who = local_principal(ws, actor)
        incident = open_incident(
            ws.context,
            who,
            title=title,
            category=category,
            models=list(model),
            datasets=list(dataset),
            description=description,
            aware_at=_time(aware_at),
        )
    _show(incident, fmt)


@app.command()
def update(
    incident_id: str,
    title: str | None = typer.Option(None, "--title"),
    description: str | None = typer.Option(None, "--description"),
    category: str | None = typer.Option(None, "--category", help=_CATEGORY_HELP),
    aware_at: str | None = typer.Option(None, "--aware-at"),
    action: list[str] = typer.Option([], "--action", help="a corrective action taken (repeatable)"),
    model: list[str] = typer.Option([], "--model", help="another affected model version (repeatable)"),
    dataset: list[str] = typer.Option([], "--dataset", help="another affected dataset version (repeatable)"),
    note: str = typer.Option("", "--note"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Change an open incident, record corrective actions, link more models or datasets."""
    from govern.incidents import update_incident

    with open_workspace(workspace) as ws:
        who = local_principal(ws, actor)
        incident = update_incident(
            ws.context,
            who,
            incident_id,
            title=title,
            description=description,
            category=category,
            aware_at=_time(aware_at),
            actions=list(action),
            models=list(model),
            datasets=list(dataset),
            note=note,
        )
    _show(incident, fmt)


@app.command()
def report(
    incident_id: str,
    file: Path = typer.Argument(..., help="the report document (stored content-addressed)"),
    kind: str = typer.Option("initial", "--kind", help="initial, follow_up or final"),
    note: str = typer.Option("", "--note"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Attach an initial, follow-up or final report to an incident."""
    from govern.incidents import report_incident

    with open_workspace(workspace) as ws:
        who = local_principal(ws, actor)
        incident = report_incident(ws.context, who, incident_id, file, kind=kind.replace("-", "_"), note=note)
    _show(incident, fmt)


@app.command()
def close(
    incident_id: str,
    resolution: str = typer.Option(..., "--resolution"),
    actor: str | None = AsOption,
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Close an incident (risk officers and admins who own none of the affected models)."""
    from govern.incidents import close_incident

    with open_workspace(workspace) as ws:
        who = local_principal(ws, actor)
        incident = close_incident(ws.context, who, incident_id, resolution=resolution)
    _show(incident, fmt)


@app.command("list")
def list_(
    status: str = typer.Option("open", "--status", help="open, closed, overdue or all"),
    model: str | None = typer.Option(None, "--model", help="only incidents affecting this model version"),
    fmt: Format = OutFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Incidents, newest first (overdue: initial report missing past the deadline, earliest first)."""
    from govern.core import GovernError, utcnow
    from govern.incidents import list_incidents, overdue_incidents

    if status not in ("open", "closed", "overdue", "all"):
        raise GovernError(INVALID_OPTION, f"--status must be open, closed, overdue or all, not {status!r}")
    now = utcnow()
    with open_workspace(workspace) as ws, ws.store.read() as session:
        if status == "overdue":
            found = overdue_incidents(session, now)
            if model is not None:
                keep = {i.id for i in list_incidents(session, model=model)}
                found = [i for i in found if i.id in keep]
        else:
            found = list_incidents(session, status=None if status == "all" else status, model=model)
    if fmt is Format.JSON:
        emit_json([i.to_dict(now) for i in found])
        return
    if not found:
        typer.echo(f"no {status} incidents")
    for i in found:
        flag = "  OVERDUE" if i.overdue(now) else ""
        typer.echo(
            f"{i.id}  {i.status}  {i.category}  due {i.deadline_at:%Y-%m-%d %H:%M} UTC{flag}  "
            f"{', '.join(i.models)}  {i.title}"
        )


@app.command()
def show(incident_id: str, fmt: Format = OutFormat, workspace: Path | None = WorkspaceOption) -> None:
    """One incident: category, deadline, reports, corrective actions, what it affects."""
    from govern.incidents import get_incident

    with open_workspace(workspace) as ws, ws.store.read() as session:
        incident = get_incident(session, incident_id)
    _show(incident, fmt)
