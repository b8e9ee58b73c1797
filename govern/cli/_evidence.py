"""`govern evidence add`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._codes import INVALID_OPTION
from ._common import AsOption, Format, WorkspaceOption, emit_json, format_option, local_principal, open_workspace

app = typer.Typer(
    help="Attach evidence (data, models, explanations, LLM evaluation results and configuration) to a model version.",
    no_args_is_help=True,
)


@app.command()
def add(
    ref: str = typer.Argument(..., help="model NAME@VERSION"),
    file: Path | None = typer.Argument(
        None,
        help="CSV, Parquet, a dataset directory or glob (streamed into partials), a .skops model, an LLM "
        "evaluation tool's results (Inspect .eval, lm-eval results, promptfoo JSON, garak report), or a prompt "
        "template, guardrail configuration or tool manifest",
    ),
    role: str = typer.Option(
        ...,
        "--role",
        help="evaluation, reference, current, model, explanation, partials; for an LLM application llm_eval, "
        "redteam, prompt, guardrails or tools",
    ),
    partials: Path | None = typer.Option(None, "--partials", help="pre-computed partial statistics instead of data"),
    label: str | None = typer.Option(None, "--label"),
    prediction: str | None = typer.Option(None, "--prediction"),
    score: str | None = typer.Option(None, "--score"),
    sensitive: str | None = typer.Option(None, "--sensitive", help="comma-separated columns"),
    positive: str | None = typer.Option(None, "--positive", help="label value of the positive class"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Store FILE content-addressed as ROLE evidence (validated first; pickle is refused).

    A directory or glob is streamed and stored as its partial statistics (never copied).
    """
    from govern.core import GovernError

    if (file is None) == (partials is None):
        raise GovernError(INVALID_OPTION, "give either FILE or --partials FILE")
    source = file if file is not None else partials
    assert source is not None
    mapping = {
        "label": label,
        "prediction": prediction,
        "score": score,
        "positive": positive,
        "sensitive": [s.strip() for s in sensitive.split(",") if s.strip()] if sensitive else [],
    }
    with open_workspace(workspace) as ws:
        ev = ws.add_evidence(ref, role, source, mapping={k: v for k, v in mapping.items() if v})
    provenance = getattr(ev, "provenance", None) or {}
    if "rows" in provenance:
        rows = f" ({provenance['rows']} rows as partials)"
    elif "tool" in provenance:
        rows = f" ({provenance['samples']} samples from {provenance['tool']} {provenance['tool_version']})"
    else:
        rows = ""
    typer.echo(f"{ref}: {role} evidence {ev.digest}{rows}")


@app.command()
def gc(
    digest: list[str] = typer.Option([], "--digest", help="only this blob (repeatable); refused while retained"),
    apply: bool = typer.Option(False, "--apply", help="delete (default: a dry run that only lists)"),
    actor: str | None = AsOption,
    fmt: Format = format_option(Format.TEXT, Format.JSON),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Delete blobs whose retention has ended (admins); list what is kept and until when.

    A blob a ledger entry names is kept GOVERN_DOCUMENTATION_RETENTION_DAYS (at least ten years)
    after the last such entry; naming one with --digest before then is refused, with the reason.
    """
    from govern.core import PermissionDenied
    from govern.evidence import collect_blobs

    from ._codes import ROLE_NOT_ALLOWED

    with open_workspace(workspace) as ws:
        if apply:
            who = local_principal(ws, actor)
            if who.role != "admin":
                raise PermissionDenied(ROLE_NOT_ALLOWED, "only an admin may delete blobs (govern evidence gc --apply)")
            ws.actor = who.name
        result = collect_blobs(
            ws.store,
            ws.settings.blob_dir,
            actor=ws.actor,
            retention_days=ws.settings.documentation_retention_days,
            digests=list(digest) or None,
            apply=apply,
        )
    if fmt is Format.JSON:
        emit_json(result.to_dict())
        return
    verb = "removed" if apply else "would remove"
    for d in result.removed:
        typer.echo(f"{verb} {d}")
    for kept in result.kept:
        typer.echo(f"kept {kept.digest} until {kept.until:%Y-%m-%d}: {kept.reason}")
    typer.echo(
        f"{len(result.removed)} {verb}, {len(result.kept)} kept" + ("" if apply else " (dry run; --apply deletes)")
    )
