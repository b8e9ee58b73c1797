"""The Typer application: one sub-app per command group, registered here.

Typer turns every command of the tree into a Click command (its parameters inspected and given
a pydantic adapter) before it parses anything, so :func:`build` registers only the group the
arguments name (``govern gate promote ...`` builds ``gate``); help, a top-level command and
anything unknown get the whole tree, so listings and "No such command" read as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import typer

from . import (
    _approvals,
    _audit,
    _card,
    _check,
    _evidence,
    _gate,
    _incident,
    _lineage,
    _model,
    _monitor,
    _policy,
    _report,
    _review,
    _serve,
    _token,
    _workspace,
)

GROUPS: dict[str, typer.Typer] = {
    "lineage": _lineage.app,
    "evidence": _evidence.app,
    "check": _check.app,
    "policy": _policy.app,
    "audit": _audit.app,
    "model": _model.app,
    "gate": _gate.app,
    "approvals": _approvals.app,
    "token": _token.app,
    "card": _card.app,
    "report": _report.app,
    "incident": _incident.app,
    "finding": _review.findings,
    "review": _review.reviews,
    "monitor": _monitor.app,
}


def _waive(app: typer.Typer) -> None:
    app.command("waive")(_approvals.waive)


# Top-level commands, in help order with the groups.
COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "workspace": _workspace.register,
    "waive": _waive,
    "serve": _serve.register,
}
_ORDER = (
    "workspace", "lineage", "evidence", "check", "policy", "audit", "model", "gate", "approvals",
    "waive", "token", "card", "serve", "report", "incident", "finding", "review", "monitor",
)  # fmt: skip


def build(argv: Sequence[str] | None = None) -> typer.Typer:
    """The application for ``argv``: only the named group when the first argument is one."""
    app = typer.Typer(
        name="govern",
        help="Policy-as-code governance for machine-learning models.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Plain Click help: Typer's Rich help formatter imports rich (~0.15 s), most of `govern --help`.
        rich_markup_mode=None,
    )
    first = argv[0] if argv else None
    for name in (first,) if first in GROUPS else _ORDER:
        if name in GROUPS:
            app.add_typer(GROUPS[name], name=name)
        else:
            COMMANDS[name](app)
    return app
