"""Helpers shared by the command modules: workspace options, output formats, identities."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ._codes import INVALID_FORMAT, INVALID_TAG

WorkspaceOption = typer.Option(
    None, "--workspace", "-w", envvar="GOVERN_WORKSPACE", help="Workspace folder (default ./.govern)"
)
AsOption = typer.Option(
    None,
    "--as",
    help="Act as this identity: must be GOVERN_TOKEN's owner, or any name in single-user mode (GOVERN_SINGLE_USER)",
)


class Format(StrEnum):
    """Every output format of every command; each command accepts some (see :func:`format_option`)."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    TREE = "tree"
    DOT = "dot"
    NOTE = "note"
    PEM = "pem"
    VKEYS = "vkeys"
    CSV = "csv"


def format_option(*choices: Format, short: bool = False, help: str | None = None) -> Any:
    """The ``--format`` option of a command that writes ``choices`` (the first is the default).

    An unknown format is ``GovernError(invalid_format)``: one line on stderr, exit 2.
    """
    names = [c.value for c in choices]

    def parse(value: str | Format) -> Format:
        if value not in names:
            from govern.core import GovernError

            raise GovernError(INVALID_FORMAT, f"--format must be one of {', '.join(names)}, not {str(value)!r}")
        return Format(value)

    decls = ("--format", "-f") if short else ("--format",)
    listed = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    return typer.Option(names[0], *decls, parser=parse, metavar="|".join(names), help=help or listed)


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
            raise GovernError(INVALID_TAG, f"tag {item!r} is not of the form key=value")
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
