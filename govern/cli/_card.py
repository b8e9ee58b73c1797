"""`govern card ...` commands: validate a model card file, render it to HTML or PDF."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ._common import Format, format_option
from ._exits import Outcome

app = typer.Typer(help="Model cards: validate and render.", no_args_is_help=True)


@app.command("validate")
def validate(
    file: Path = typer.Argument(..., help="Card: .md (Hugging Face), .json (govern or Model Card Toolkit), .yaml"),
    tier: str | None = typer.Option(
        None, "--tier", help="Check the fields this risk tier requires (default: the card's risk_tier)"
    ),
    fmt: Format = format_option(Format.TEXT, Format.JSON, help="text | json"),
) -> Outcome:
    """Report every problem as file:line:col: code: message; exit 2 when there is any."""
    from govern.cards import validate_card

    problems = validate_card(file, tier=tier)  # type: ignore[arg-type]
    if fmt == "json":
        rows = [{"code": p.code, "message": p.message, "location": str(p.location)} for p in problems]
        sys.stdout.write(json.dumps({"file": str(file), "valid": not problems, "problems": rows}, indent=2) + "\n")
    else:
        for p in problems:
            sys.stdout.write(f"{p}\n")
        if not problems:
            sys.stdout.write(f"{file}: ok\n")
    return Outcome.INVALID if problems else Outcome.OK


@app.command("render")
def render(
    file: Path = typer.Argument(..., help="Card file to render"),
    output: Path = typer.Option(..., "--output", "-o", help="FILE.html or FILE.pdf"),
) -> None:
    """Render a card to standalone HTML or PDF/A-3b (card text is shown, never fetched)."""
    from govern.reports import render_card

    render_card(file, output)
    sys.stdout.write(f"wrote {output}\n")
