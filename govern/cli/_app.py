"""The Typer application: one sub-app per command group, registered here."""

from __future__ import annotations

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

app = typer.Typer(
    name="govern",
    help="Policy-as-code governance for machine-learning models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain Click help: Typer's Rich help formatter imports rich (~0.15 s), most of `govern --help`.
    rich_markup_mode=None,
)

_workspace.register(app)
app.add_typer(_lineage.app, name="lineage")
app.add_typer(_evidence.app, name="evidence")
app.add_typer(_check.app, name="check")
app.add_typer(_policy.app, name="policy")
app.add_typer(_audit.app, name="audit")
app.add_typer(_model.app, name="model")
app.add_typer(_gate.app, name="gate")
app.add_typer(_approvals.app, name="approvals")
app.command("waive")(_approvals.waive)
app.add_typer(_token.app, name="token")
app.add_typer(_card.app, name="card")
_serve.register(app)
app.add_typer(_report.app, name="report")
app.add_typer(_incident.app, name="incident")
app.add_typer(_review.findings, name="finding")
app.add_typer(_review.reviews, name="review")
app.add_typer(_monitor.app, name="monitor")
