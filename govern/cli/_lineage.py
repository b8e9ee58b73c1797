"""`govern lineage ...` commands."""

from __future__ import annotations

from pathlib import Path

import typer

from ._codes import INVALID_OPTION
from ._common import Format, WorkspaceOption, emit_json, format_option

app = typer.Typer(
    help="Record and query lineage: datasets, features, runs, models and LLM components.", no_args_is_help=True
)


TreeFormat = format_option(Format.TREE, Format.JSON, Format.DOT)
ListFormat = format_option(Format.TEXT, Format.JSON)


@app.command()
def ingest(
    files: list[Path] = typer.Argument(..., help="OpenLineage .json/.jsonl or govern manifest .yaml"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Ingest OpenLineage RunEvents or govern manifests; a rejected file stores nothing."""
    from govern.workspace import Workspace

    with Workspace.open(workspace) as ws:
        for r in ws.ingest(files):
            dup = f", {r.duplicates} already ingested" if r.duplicates else ""
            typer.echo(f"{r.file}: {r.events} event(s), {r.nodes} new node(s), {r.edges} new edge(s){dup}")


@app.command("import-mlflow")
def import_mlflow(
    uri: str | None = typer.Argument(
        None, help="MLflow tracking URI (http:, sqlite:, postgresql:, file: or a path); default: mlflow_uri"
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Import what is new in MLflow: runs, params, metrics, datasets, registered versions with
    their tags and aliases, and model cards the runs logged."""
    from govern.workspace import Workspace

    with Workspace.open(workspace) as ws:
        counts = ws.import_mlflow(uri)
    typer.echo(
        f"imported {counts.runs} run(s), {counts.datasets} dataset version(s), "
        f"{counts.models} model version(s) ({counts.cards} with a logged model card), "
        f"{counts.prompts} prompt version(s)"
    )


@app.command()
def show(
    ref: str = typer.Argument(
        ..., help="model NAME@VERSION, dataset:NAME@V, feature:NAME@V, component:ROLE/NAME@V or run:ID"
    ),
    upstream: bool = typer.Option(False, "--upstream", help="what REF was built from (default)"),
    downstream: bool = typer.Option(False, "--downstream", help="what was built from REF"),
    depth: int | None = typer.Option(None, min=1, help="stop after this many hops"),
    fmt: Format = TreeFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Show the lineage upstream or downstream of REF."""
    from govern.core import GovernError
    from govern.lineage import render_dot, render_tree
    from govern.workspace import Workspace

    if upstream and downstream:
        raise GovernError(INVALID_OPTION, "choose one of --upstream and --downstream")
    with Workspace.open(workspace) as ws:
        graph = ws.lineage(ref, "downstream" if downstream else "upstream", depth=depth)
    if fmt is Format.JSON:
        emit_json(graph.to_dict())
    else:
        typer.echo(render_dot(graph) if fmt is Format.DOT else render_tree(graph), nl=False)


@app.command()
def impact(
    ref: str = typer.Argument(..., help="dataset:NAME[@V], feature:NAME[@V] or run:ID"),
    fmt: Format = ListFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Model versions (and their stages) downstream of a dataset, feature or run."""
    from dataclasses import asdict

    from govern.workspace import Workspace

    with Workspace.open(workspace) as ws:
        models = ws.impact(ref)
    if fmt is Format.JSON:
        emit_json([asdict(m) for m in models])
        return
    if not models:
        typer.echo(f"no model version is downstream of {ref}")
    for m in models:
        typer.echo(f"{m.ref}\tstage={m.stage}\ttier={m.tier or '-'}\towner={m.owner or '-'}\thops={m.distance}")


@app.command()
def flag(
    ref: str = typer.Argument(..., help="dataset:NAME@V, feature:NAME@V or component:ROLE/NAME@V"),
    reason: str = typer.Option(..., "--reason", help="deprecated, personal data found, license problem ..."),
    actor: str | None = typer.Option(None, "--as"),
    fmt: Format = ListFormat,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Flag a dataset, feature or component; re-evaluate every staging/production model downstream of it."""
    from govern.decisions import flag as do_flag

    from ._common import open_workspace

    with open_workspace(workspace, actor) as ws:
        decisions = do_flag(ws.context, ref, reason, ws.actor)
    if fmt is Format.JSON:
        emit_json([d.to_dict() for d in decisions])
        return
    typer.echo(f"flagged {ref}; re-evaluated {len(decisions)} model version(s) in staging or production")
    for d in decisions:
        typer.echo(f"  {d.model} ({d.target}): {d.outcome}  decision {d.id}, ledger seq {d.ledger_seq}")
