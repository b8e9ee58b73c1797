"""`govern token create|list|revoke`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import WorkspaceOption, emit_json, open_workspace

app = typer.Typer(help="API tokens and local identities (name + role).", no_args_is_help=True)


@app.command()
def create(
    role: str = typer.Option(
        ..., "--role", help="admin, risk_officer, validator, model_owner, ci, auditor or lineage_writer"
    ),
    name: str = typer.Option(..., "--name", help="the person or system (separation-of-duties identity)"),
    expires: str | None = typer.Option(None, "--expires", help="ISO date or time"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from govern.core import parse_time

    with open_workspace(workspace) as ws:
        token, info = ws.create_token(name, role, expires_at=parse_time(expires) if expires else None)
    typer.echo(token)
    typer.echo(f"token {info.id} for {info.name} ({info.role}); shown once, store it now", err=True)


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json"), workspace: Path | None = WorkspaceOption) -> None:
    """Tokens (never their secret)."""
    with open_workspace(workspace) as ws:
        infos = ws.list_tokens()
    if json_out:
        emit_json([i.__dict__ for i in infos])
        return
    for i in infos:
        state = "revoked" if i.revoked_at else "active"
        typer.echo(f"{i.id}  {i.name}  {i.role}  {state}  created {i.created_at:%Y-%m-%d}")


@app.command()
def revoke(token_id: str, workspace: Path | None = WorkspaceOption) -> None:
    """Revoke a token by id."""
    with open_workspace(workspace) as ws:
        info = ws.revoke_token(token_id)
    typer.echo(f"revoked {info.id} ({info.name})")
