"""Helpers shared by the command modules: workspace options, output formats, identities."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

WorkspaceOption = typer.Option(
    None, "--workspace", "-w", envvar="GOVERN_WORKSPACE", help="Workspace folder (default ./.govern)"
)
AsOption = typer.Option(
    None,
    "--as",
    help="Act as this identity: must be GOVERN_TOKEN's owner, or any name in single-user mode (GOVERN_SINGLE_USER)",
)


def emit_json(data: Any, output: Path | None = None) -> None:
    """Print ``data`` as indented JSON (or write it to ``output``)."""
    text = json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
    emit_text(text, output)


def emit_text(text: str, output: Path | None = None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def parse_tags(values: list[str] | None) -> dict[str, str]:
    """``k=v`` pairs to a dict; raises ``GovernError(invalid_tag)``."""
    from govern.core import GovernError

    tags: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise GovernError("invalid_tag", f"tag {item!r} is not of the form key=value")
        tags[key.strip()] = value.strip()
    return tags


def open_workspace(workspace: Path | None, actor: str | None = None) -> Any:
    """Open the workspace acting as ``actor`` (``--as``) when given."""
    from govern.workspace import Workspace

    ws = Workspace.open(workspace)
    if actor:
        ws.actor = actor
    return ws


def local_principal(ws: Any, name: str | None) -> Any:
    """The principal of a local approve/reject/waive/rollback: ``GOVERN_TOKEN``'s owner (``--as``
    must match it), or ``--as``/``GOVERN_ACTOR`` in single-user mode (see ``identity.local_principal``)."""
    from govern.identity import local_principal as resolve

    with ws.store.read() as session:
        return resolve(
            session,
            token=ws.settings.token,
            name=name or (ws.actor if ws.settings.single_user else None),
            single_user=ws.settings.single_user,
        )


def progress_printer(enabled: bool) -> Any:
    """A progress callback that redraws one stderr line (only on a terminal, or when forced)."""
    if not enabled:
        return None

    def show(label: str, done: int, total: int) -> None:
        end = "\n" if label == "done" else "\r"
        sys.stderr.write(f"\r  {label[:60]:<60} {done}/{total}{end}")
        sys.stderr.flush()

    return show
