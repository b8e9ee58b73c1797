"""What each page shows, as plain data: built from the public library calls, drawn by templates.

Every builder takes the acting principal and applies the same reading rules as the API: the role
matrix (``approvals.read``, ``ledger.read``) and, for ``model_owner``, only their own models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govern.api import OWN_MODELS_ONLY, authorize, check_owner
from govern.core import GovernError, parse_ref, utcnow
from govern.identity import Principal

from ._charts import BarChart, Diagram, drift_chart, fairness_chart, lineage_diagram

BLOCKING_RESULTS = ("fail", "inconclusive", "error")
_RESULT_ORDER = {"error": 0, "fail": 1, "inconclusive": 2, "waived": 3, "pass": 4}


def age(then: datetime, now: datetime | None = None) -> str:
    """A short human age: ``just now``, ``5 min``, ``3 h``, ``2 d``."""
    seconds = max(0, int(((now or utcnow()) - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def number(value: Any) -> str:
    """A measured value for display: 4 significant digits, an em dash for none."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return format(float(value), ".4g")
    return str(value)


@dataclass(frozen=True, kw_only=True)
class InboxRow:
    id: str
    model: str
    target: str
    tier: str
    requester: str
    created_at: datetime
    age: str
    progress: str
    findings: list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class Duty:
    """A post-market duty missed: an incident report past its statutory deadline (Art. 73) or a
    monitoring run past its plan (Art. 72)."""

    kind: str  # incident | monitoring
    ref: str  # the incident id or the model version
    models: list[str]
    summary: str
    due_at: datetime
    overdue_for: str


def overdue_duties(ws: Any, principal: Principal) -> list[Duty]:
    """What is overdue on the models the principal may see, the longest overdue first."""
    from govern.decisions import monitoring_status
    from govern.incidents import overdue_incidents

    authorize(principal, "approvals.read")
    mine = _own_models(ws, principal)
    now = utcnow()
    with ws.store.read() as session:
        incidents = overdue_incidents(session, now)
        plans = [m for m in monitoring_status(session, ws.packs, now=now) if m.overdue]
    duties = [
        Duty(kind="incident", ref=i.id, models=i.models, due_at=i.deadline_at, overdue_for=age(i.deadline_at, now),
             summary=f"{i.title}: {i.category.replace('_', ' ')}, initial report due within {i.deadline_days} days")
        for i in incidents
    ] + [
        Duty(kind="monitoring", ref=m.model, models=[m.model], due_at=m.due_at, overdue_for=age(m.due_at, now),
             summary=f"monitoring run every {m.every_days:g} days"
             + ("; promotion held" if m.hold_promotion else ""))
        for m in plans
    ]  # fmt: skip
    if mine is not None:
        duties = [d for d in duties if set(d.models) & mine]
    return sorted(duties, key=lambda d: d.due_at)


def _own_models(ws: Any, principal: Principal) -> set[str] | None:
    if principal.role not in OWN_MODELS_ONLY:
        return None
    return {m["model"] for m in ws.models(owner=principal.name)}


def inbox(ws: Any, principal: Principal, *, tier: str | None = None, model: str | None = None) -> list[InboxRow]:
    """Open approval requests the principal may see, newest first, filtered by tier and model."""
    from govern.decisions import list_requests

    authorize(principal, "approvals.read")
    if model and "@" not in model:
        model += "@"  # a model name means all its versions, not every name it prefixes
    views = list_requests(ws.context, status="open", tier=tier or None, model=model or None)
    mine = _own_models(ws, principal)
    now = utcnow()
    rows = []
    for v in views:
        if mine is not None and v.model not in mine:
            continue
        approvals = len({x.approver for x in v.votes if x.verdict == "approve"})
        rows.append(
            InboxRow(
                id=v.id,
                model=v.model,
                target=v.target,
                tier=v.tier,
                requester=v.requester,
                created_at=v.created_at,
                age=age(v.created_at, now),
                progress=f"{approvals} of {v.required['count']}",
                findings=[r for r in v.reasons if r.get("result") in (*BLOCKING_RESULTS, "waived")],
            )
        )
    return rows


def filter_choices(ws: Any, principal: Principal) -> tuple[list[str], list[str]]:
    """The tiers and model names offered by the inbox filters (from all visible models)."""
    mine = _own_models(ws, principal)
    models = [m for m in ws.models() if mine is None or m["model"] in mine]
    tiers = sorted({m["tier"] for m in models if m["tier"]})
    names = sorted({m["model"].split("@", 1)[0] for m in models})
    return tiers, names


@dataclass(kw_only=True)
class RequestPage:
    request: Any  # govern.decisions.ApprovalView
    model: dict[str, Any]
    decision: dict[str, Any] | None
    findings: list[dict[str, Any]]
    fairness: BarChart | None
    drift: BarChart | None
    diagram: Diagram | None
    lineage_edges: list[dict[str, Any]]
    card: list[tuple[str, str]]
    latest: dict[str, Any] | None
    waivable: list[str]
    approvals: int
    waivers: list[Any] = field(default_factory=list)
    monitoring: Any = None  # markupsafe.Markup of the monitoring-history SVG, or None
    monitoring_of: str = ""  # the version whose runs it shows (this one, else the one in production)

    @property
    def open(self) -> bool:
        return bool(self.request.status == "open")


def _finding_row(f: dict[str, Any], measurements: dict[str, Any]) -> dict[str, Any]:
    m = measurements.get(f.get("measurement") or "", {})
    interval = None
    if isinstance(m.get("lower"), (int, float)) and isinstance(m.get("upper"), (int, float)):
        interval = f"{number(m['lower'])} \u2013 {number(m['upper'])}"
    return {
        **f,
        "value_text": number(f.get("value")),
        "interval": interval,
        "blocking": f.get("result") in BLOCKING_RESULTS and f.get("on_fail") != "warn",
    }


def _decision_document(ws: Any, decision_id: str) -> dict[str, Any] | None:
    from govern.decisions import get_decision

    with ws.store.read() as session:
        found = get_decision(session, decision_id)
    return found.document if found is not None else None


def _latest_decision(ws: Any, model: str, target: str) -> dict[str, Any] | None:
    from govern.decisions import latest_decision

    with ws.store.read() as session:
        found = latest_decision(session, model, gate="promote", target=target)
    if found is None:
        return None
    return {"id": found.id, "outcome": found.outcome, "time": found.created_at, "requester": found.requester}


def _pick(measurements: dict[str, Any], findings: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The measurement with ``key`` behind the most severe finding that has one."""
    for f in findings:
        m = measurements.get(f.get("measurement") or "")
        if isinstance(m, dict) and m.get(key):
            return m
    return None


def visible_request(ws: Any, principal: Principal, request_id: str) -> tuple[Any, dict[str, Any]]:
    """The request and its model, if the principal may see them; ``not_found`` otherwise."""
    from govern.decisions import get_request

    authorize(principal, "approvals.read")
    view = get_request(ws.context, request_id)
    model = ws.model(view.model)
    check_owner(principal, model.get("owner"), f"approval request {request_id}")
    return view, model


def request_page(ws: Any, principal: Principal, request_id: str) -> RequestPage:
    """Everything the request page shows. Raises ``not_found`` for a request the principal may not see."""
    from govern.decisions import list_waivers

    view, model = visible_request(ws, principal, request_id)
    doc = _decision_document(ws, view.decision_id)
    measurements = (doc or {}).get("measurements", {})
    raw = sorted(
        (doc or {}).get("findings", []), key=lambda f: (_RESULT_ORDER.get(f.get("result"), 9), f.get("rule", ""))
    )
    findings = [_finding_row(f, measurements) for f in raw]
    fair = _pick(measurements, raw, "per_group")
    drifted = _pick(measurements, raw, "per_feature")
    diagram, edges = None, []
    try:
        graph = ws.lineage(view.model).to_dict()
        diagram = lineage_diagram(graph["nodes"], graph["edges"], graph["root"])
        edges = graph["edges"]
    except GovernError:
        pass  # a model without recorded lineage: the page says so instead of drawing
    card = [
        (str(k).replace("_", " ").capitalize(), v if isinstance(v, str) else repr(v))
        for k, v in (model.get("card") or {}).items()
    ]
    monitoring, monitoring_of = _monitoring(ws, view.model)
    waivable = sorted({f["rule"] for f in findings if f["result"] in BLOCKING_RESULTS})
    approvals = len({v.approver for v in view.votes if v.verdict == "approve"})
    return RequestPage(
        request=view,
        model=model,
        decision=doc,
        findings=findings,
        fairness=fairness_chart(fair) if fair else None,
        drift=drift_chart(drifted) if drifted else None,
        diagram=diagram,
        lineage_edges=edges,
        card=card,
        latest=_latest_decision(ws, view.model, view.target),
        waivable=waivable,
        approvals=approvals,
        waivers=list_waivers(ws.context, view.model),
        monitoring=monitoring,
        monitoring_of=monitoring_of,
    )


def _monitoring(ws: Any, ref: str) -> tuple[Any, str]:
    """The monitoring-history chart of ``ref``, or of the version of its model in production."""
    from markupsafe import Markup

    from govern.lineage import champion, model_record
    from govern.reports import monitoring_chart, monitoring_history

    with ws.store.read() as session:
        points, of = monitoring_history(session, ref), ref
        if not points:
            record = model_record(session, parse_ref(ref))
            current = champion(session, record.name, exclude_node=record.node_id)
            if current is None:
                return None, ""
            points, of = monitoring_history(session, current), current
    if not points:
        return None, ""
    return Markup(monitoring_chart(points, title=f"Monitoring history of {of}")), of


@dataclass(frozen=True)
class LedgerPage:
    checkpoint: dict[str, Any] | None
    verified: bool
    verification: dict[str, Any]


def ledger_page(ws: Any, principal: Principal) -> LedgerPage:
    """The latest signed checkpoint and a full verification of the ledger, for auditors."""
    from govern.core import VerificationError
    from govern.ledger import latest_checkpoint, verify

    authorize(principal, "ledger.read")
    with ws.store.read() as session:
        cp = latest_checkpoint(session)
    checkpoint = None
    if cp is not None:
        checkpoint = {
            "origin": cp.origin,
            "size": cp.size,
            "root": cp.root.hex(),
            "head": cp.head,
            "time": cp.time,
            "signers": [s.name for s in cp.signatures],
            "text": cp.text(),
        }
    try:
        report = verify(ws.store, origin=ws.settings.origin).to_dict()
        return LedgerPage(checkpoint, True, report)
    except VerificationError as err:
        return LedgerPage(
            checkpoint,
            False,
            {"code": err.code, "message": err.message, "location": str(err.location) if err.location else None},
        )
