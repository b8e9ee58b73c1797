"""`govern approvals list|show|approve|reject` and `govern waive`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import AsOption, Format, WorkspaceOption, emit_json, format_option, local_principal, open_workspace

app = typer.Typer(help="Review approval requests (separation of duties applies).", no_args_is_help=True)

ListFormat = format_option(Format.TEXT, Format.JSON)


def _remote(workspace: Path | None):  # type: ignore[no-untyped-def]
    """An API client when ``GOVERN_URL`` and ``GOVERN_TOKEN`` are set (act as the token's owner), else None."""
    from govern.core import load_settings

    settings = load_settings(workspace)
    if settings.url and settings.token:
        from govern.api import ApiClient

        return ApiClient(settings.url, settings.token)
    return None


def _age(view) -> str:  # type: ignore[no-untyped-def]
    from govern.core import utcnow

    minutes = int((utcnow() - view.created_at).total_seconds() // 60)
    return f"{minutes // 1440}d" if minutes >= 1440 else f"{minutes // 60}h" if minutes >= 60 else f"{minutes}m"


@app.command("list")
def list_(
    status: str = typer.Option("open", "--status", help="open, approved, rejected, void, expired or all"),
    tier: str | None = typer.Option(None, "--tier"),
    model: str | None = typer.Option(None, "--model"),
    fmt: Format = ListFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Approval requests, newest first."""
    from govern.decisions import list_requests

    wanted = None if status == "all" else status
    remote = _remote(workspace)
    if remote is not None:
        with remote:
            views = remote.list_requests(status=wanted, tier=tier, model=model)
    else:
        with open_workspace(workspace) as ws:
            views = list_requests(ws.context, status=wanted, tier=tier, model=model)
    if fmt is Format.JSON:
        emit_json([v.to_dict() for v in views])
        return
    if not views:
        typer.echo(f"no {status} approval requests")
    for v in views:
        approvals = sum(1 for vote in v.votes if vote.verdict == "approve")
        typer.echo(
            f"{v.id}  {v.model} -> {v.target}  tier={v.tier}  {v.status}  "
            f"{approvals}/{v.required['count']} approvals  requested by {v.requester}  {_age(v)} ago"
        )


@app.command()
def show(
    request_id: str,
    fmt: Format = ListFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """One request: why it needs review, what is required, who voted."""
    from govern.decisions import get_request

    remote = _remote(workspace)
    if remote is not None:
        with remote:
            v = remote.get_request(request_id)
    else:
        with open_workspace(workspace) as ws:
            v = get_request(ws.context, request_id)
    if fmt is Format.JSON:
        emit_json(v.to_dict())
        return
    typer.echo(f"{v.id}: {v.model} -> {v.target} (tier {v.tier}) {v.status}")
    typer.echo(f"  requested by {v.requester}; expires {v.expires_at:%Y-%m-%d %H:%M} UTC")
    typer.echo(f"  requires {v.required['count']} approval(s) from {', '.join(v.required['roles'])}")
    for r in v.reasons:
        typer.echo(f"  finding {r['rule']}: {r['result']} (value {r['value']}, require {r['require']})")
    for vote in v.votes:
        typer.echo(
            f"  {vote.verdict} by {vote.approver} ({vote.role}) at {vote.time:%Y-%m-%d %H:%M}: {vote.justification}"
        )


def _vote(request_id: str, verdict: str, justification: str, actor: str | None, workspace: Path | None) -> None:
    from govern.decisions import vote

    remote = _remote(workspace)
    if remote is not None:  # the API acts as the token's owner; --as does not apply
        with remote:
            view = remote.vote(request_id, verdict, justification)
    else:
        with open_workspace(workspace) as ws:
            who = local_principal(ws, actor)
            view = vote(ws.context, request_id, who, verdict, justification)  # type: ignore[arg-type]
    approvals = sum(1 for v in view.votes if v.verdict == "approve")
    typer.echo(
        f"{verdict}d {view.id} as {view.votes[-1].approver}: request {view.status} "
        f"({approvals}/{view.required['count']} approvals)"
    )


@app.command()
def approve(
    request_id: str,
    justification: str = typer.Option(..., "--justification"),
    actor: str | None = AsOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Approve a request as yourself (or --as NAME)."""
    _vote(request_id, "approve", justification, actor, workspace)


@app.command()
def reject(
    request_id: str,
    justification: str = typer.Option(..., "--justification"),
    actor: str | None = AsOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Reject a request; the next gate denies."""
    _vote(request_id, "reject", justification, actor, workspace)


def waive(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    rule: str = typer.Argument(..., help="rule id (pack/rule-id, or rule-id when unique)"),
    justification: str = typer.Option(..., "--justification"),
    expires: str = typer.Option(..., "--expires", help="ISO date or time; must be in the future"),
    actor: str | None = AsOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Waive one failing rule for one model version until EXPIRES (risk officers only)."""
    from govern.core import parse_time
    from govern.decisions import waive as do_waive

    with open_workspace(workspace) as ws:
        who = local_principal(ws, actor)
        w = do_waive(ws.context, ref, rule, who, justification=justification, expires=parse_time(expires))
    typer.echo(f"waived {w.rule} for {w.model} until {w.expires_at:%Y-%m-%d %H:%M} UTC ({w.id})")
