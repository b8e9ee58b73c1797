"""`govern model register|rollback`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._codes import FILE_NOT_FOUND, INVALID_REF
from ._common import AsOption, WorkspaceOption, emit_json, local_principal, open_workspace, parse_tags

app = typer.Typer(help="Register model versions and roll them back.", no_args_is_help=True)


@app.command()
def register(
    ref: str = typer.Argument(..., help="NAME@VERSION"),
    run: str | None = typer.Option(None, "--run", help="the training run that produced it (run:ID or ID)"),
    owner: str | None = typer.Option(None, "--owner", help="accountable owner (cannot approve it)"),
    tag: list[str] = typer.Option([], "--tag", help="k=v, repeatable (use_case=credit ...)"),
    card: Path | None = typer.Option(None, "--card", help="model card (.md with front matter, .json, .yaml)"),
    framework: str | None = typer.Option(None, "--framework"),
    artifact: Path | None = typer.Option(None, "--artifact", help="model file; its sha256 is recorded"),
    replaces: str | None = typer.Option(None, "--replaces", help="the model version this one retrains"),
    json_out: bool = typer.Option(False, "--json"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Register a model version; its risk tier is computed by the policy packs' tiering."""
    from govern.core import GovernError, content_digest, parse_ref
    from govern.lineage import ModelSpec

    parsed = parse_ref(ref)
    if parsed.kind != "model" or parsed.version is None:
        raise GovernError(INVALID_REF, f"register takes NAME@VERSION, not {ref!r}")
    tags = parse_tags(tag)
    card_data = _load_card(card) if card else None
    digest = None
    if artifact is not None:
        if not artifact.is_file():
            raise GovernError(FILE_NOT_FOUND, f"{artifact}: no such file")
        digest = content_digest(artifact.read_bytes())
    spec = ModelSpec(
        name=parsed.name,
        version=parsed.version,
        run=run.removeprefix("run:") if run else None,
        framework=framework,
        artifact_digest=digest,
        owner=owner,
        tags=tags,
        use_case=tags.get("use_case"),
        card=card_data,
        replaces=parse_ref(replaces) if replaces else None,
    )
    with open_workspace(workspace) as ws:
        result = ws.register_model(spec)
    if json_out:
        emit_json(result)
    else:
        typer.echo(
            f"registered {result['model']}: tier {result['tier']} ({result['tier_rule']}), "
            f"ledger seq {result['ledger_seq']}"
        )


def _load_card(path: Path) -> dict:  # type: ignore[type-arg]
    from govern.cards import load_card

    return load_card(path).model_dump(mode="json", exclude_none=True)


@app.command()
def rollback(
    ref: str = typer.Argument(..., help="NAME@VERSION"),
    to: str = typer.Option(..., "--to", help="staging, none or archived (never up)"),
    justification: str = typer.Option(..., "--justification"),
    actor: str | None = AsOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Demote a model version (with a justification); promotion only happens through the gate."""
    with open_workspace(workspace) as ws:
        seq, synced = ws.rollback(ref, to, local_principal(ws, actor), justification=justification)
    typer.echo(f"{ref} moved to {to} (ledger seq {seq})")
    if synced is not None:
        typer.echo(synced.line(), err=synced.action == "failed")
