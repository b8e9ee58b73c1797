"""Report data from a workspace's database: decisions, reviews, lineage, the ledger, controls.

Every number comes from a recorded Decision (``decision.document``, the canonical JSON that was
ledgered) or a review row; nothing is re-measured. The ledger evidence (checkpoint, inclusion
proofs, public key) is produced here so the PDF verifies on its own (see ``_verify``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from govern.core import GovernError, VerificationError, canonical_json, isoformat, parse_ref, utcnow
from govern.measurements import (
    DriftMeasurement,
    ExplainabilityMeasurement,
    FairnessMeasurement,
    GuardrailsMeasurement,
    LLMEvalMeasurement,
    Measurement,
    PassRate,
    RedTeamMeasurement,
    measurement_from_json,
)

from ._annex import AnnexContext
from ._codes import INVALID_PERIOD
from ._data import (
    AttackRow,
    ControlStatus,
    DecisionRecord,
    DriftFeature,
    Evidence,
    ExceptionItem,
    FairnessTable,
    FeatureImportance,
    Finding,
    GroupRate,
    GuardrailsSummary,
    LedgerRow,
    LineageEdge,
    LineageGraph,
    LineageNode,
    LLMEvalTable,
    ModelReportData,
    MonitoringPoint,
    PassRateRow,
    PeriodReportData,
    RedTeamTable,
    ReviewAction,
    StageChange,
    Verification,
)
from ._format import fmt

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.core import Settings
    from govern.decisions import StoredDecision
    from govern.ledger import Checkpoint
    from govern.policy import PackSet
    from govern.store import Store

_FRAMEWORKS = {"eu-ai-act": "EU AI Act", "nist-ai-rmf": "NIST AI RMF", "iso-42001": "ISO/IEC 42001",
               "sr-11-7": "SR 11-7"}  # fmt: skip
# The per-group rate(s) behind each fairness metric family (GroupStats fields, docs/measurements.md).
_GROUP_RATES = {
    "demographic_parity": ("selection_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
    "equal_opportunity": ("true_positive_rate",),
}
_FAILING = ("fail", "error", "inconclusive", "waived")


@dataclass
class _Doc:
    """A decision row as the report needs it: the ledgered document and its position."""

    id: str
    gate: str
    outcome: str
    requester: str
    seq: int
    document: dict[str, Any]
    model: str = ""

    @property
    def time(self) -> str:
        return str(self.document.get("time", ""))


@dataclass
class _Ledger:
    """The ledger evidence for a set of decisions."""

    checkpoint: Checkpoint | None
    verification: Verification
    proofs: dict[str, str] = field(default_factory=dict)
    public_key: str = ""


# -- shared pieces ---------------------------------------------------------------------------------


def _docs(decisions: Sequence[StoredDecision]) -> list[_Doc]:
    return [_Doc(d.id, d.gate, d.outcome, d.requester, d.ledger_seq, d.document, d.model) for d in decisions]


def _packs_text(packs: dict[str, str]) -> str:
    return ", ".join(f"{name} {digest}" for name, digest in sorted(packs.items()))


def _record(doc: _Doc) -> DecisionRecord:
    d = doc.document
    target = d.get("target") or (d.get("facts") or {}).get("target") or ""
    findings = [
        Finding(
            rule_id=f["rule"], check=f["check"], value=f.get("value"), require=f.get("require", ""),
            result=f["result"], controls=list(f.get("controls") or []), policy=f.get("policy", ""),
            on_fail=f.get("on_fail", ""), message=f.get("message", ""),
        )
        for f in d.get("findings", [])
    ]  # fmt: skip
    return DecisionRecord(doc.id, str(d.get("model", doc.model)), doc.gate, str(target), doc.outcome, doc.time,
                          doc.requester, _packs_text(d.get("packs") or {}), doc.seq, findings)  # fmt: skip


def _public_pem(raw: bytes) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return (
        Ed25519PublicKey.from_public_bytes(raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _ledger(store: Store, settings: Settings, seqs: dict[str, int]) -> _Ledger:
    """Verify the ledger, and prove each decision (id -> seq) against a checkpoint covering them all.

    The newest stored checkpoint is used when it covers every entry so far; otherwise a new one
    is signed (which appends ``checkpoint.signed``). A failed verification is reported, not
    raised: the report then says so and carries no proofs.
    """
    from govern.ledger import (
        create_checkpoint,
        last_seq,
        latest_checkpoint,
        prove_inclusion,
        trusted_keys,
        verify_checkpoint,
    )
    from govern.ledger import verify as verify_ledger

    with store.read() as session:
        # Entries after the last event that is not a checkpoint need no new checkpoint: so
        # reports made one after another reuse the one the first of them signed.
        size = last_seq(session, excluding=("checkpoint.signed",))
        cp = latest_checkpoint(session, min_size=size) if size else None
    if cp is None and size:
        cp = create_checkpoint(store, settings)
    keys = trusted_keys(store)
    try:
        report = verify_ledger(store, checkpoint=cp, keys=keys, origin=settings.origin)
    except VerificationError as exc:
        return _Ledger(
            cp, Verification(False, f"{exc.code}: {exc.message}", first_bad_seq=exc.seq, checkpoint_ok=False)
        )
    anchored = cp is not None and cp.size in report.checkpoints
    verification = Verification(
        ok=True,
        message=f"hash chain intact over {report.size} entries; Merkle root {report.root}"
        + (f"; checkpoint of {cp.size} entries signed and matching" if anchored and cp else ""),
        entries=report.size, head_seq=report.size, head_hash=report.head, checkpoint_ok=anchored if cp else None,
    )  # fmt: skip
    out = _Ledger(cp, verification)
    if cp is None:
        return out
    out.public_key = _public_pem(verify_checkpoint(cp, keys, origin=settings.origin).public)
    with store.read() as session:
        for decision_id, seq in seqs.items():
            out.proofs[decision_id] = json.dumps(prove_inclusion(session, seq, checkpoint=cp), indent=2)
    return out


def _evidence(docs: Iterable[_Doc], ledger: _Ledger) -> Evidence:
    return Evidence(
        decisions={d.id: canonical_json(d.document).decode() for d in docs},
        checkpoint=ledger.checkpoint.text() if ledger.checkpoint else "",
        proofs=ledger.proofs,
        public_key=ledger.public_key,
    )


# -- measurements -----------------------------------------------------------------------------------


def _latest_measured(docs: Sequence[_Doc], check: str) -> list[tuple[dict[str, Any], Measurement]]:
    """(finding, measurement) pairs of ``check`` in the newest decision that measured it.

    Measurements are read as their type (``govern.measurements``); one recorded by a release
    older than the type (without the counts and intervals shown here) is left out.
    """
    for doc in reversed(docs):
        pairs = _measured(doc, check)
        if pairs:
            return pairs
    return []


def _measured(doc: _Doc, check: str) -> list[tuple[dict[str, Any], Measurement]]:
    """(finding, measurement) pairs of ``check`` in one decision."""
    ms = doc.document.get("measurements") or {}
    pairs = []
    for f in doc.document.get("findings", []):
        if f.get("check") != check or f.get("measurement") not in ms:
            continue
        try:
            pairs.append((f, measurement_from_json(check, ms[f["measurement"]])))
        except GovernError:
            continue
    return pairs


def monitoring_history(session: Session, model: str) -> list[MonitoringPoint]:
    """The monitoring runs of model version ``model`` (retraining-gate decisions), oldest first."""
    from govern.decisions import history

    return _monitoring(_docs(history(session, model=model, gate="retrain")))


def _monitoring(docs: Sequence[_Doc]) -> list[MonitoringPoint]:
    """Each monitoring run (retraining-gate decision) with its drift headline, oldest first."""
    out = []
    for doc in docs:
        if doc.gate != "retrain":
            continue
        drifts = [m for _, m in _measured(doc, "drift") if isinstance(m, DriftMeasurement)]
        m = next((d for d in drifts if d.threshold is not None), drifts[0] if drifts else None)
        out.append(MonitoringPoint(
            time=doc.time, decision_id=doc.id, outcome=doc.outcome,
            method=m.method if m else "", max_statistic=m.max_value if m else None,
            min_pvalue=m.min_pvalue if m else None, drifted=len(m.drifted) if m else 0,
            threshold=m.threshold if m else None,
        ))  # fmt: skip
    return out


def _limit(finding: dict[str, Any], variables: tuple[str, ...]) -> float | None:
    """The rule's threshold (found in its ``require`` when the policy compiled) when it limits one of ``variables``."""
    threshold = finding.get("threshold") or {}
    return float(threshold["value"]) if threshold.get("variable") in variables else None


def _group_rates(m: FairnessMeasurement, rate: str) -> list[GroupRate]:
    out = []
    for label, g in m.per_group.items():
        ci = g.intervals.get(rate)
        out.append(GroupRate(label, g.count, float(getattr(g, rate)), ci.lower if ci else None,
                             ci.upper if ci else None))  # fmt: skip
    return out


def _fairness(pairs: Sequence[tuple[dict[str, Any], Measurement]]) -> list[FairnessTable]:
    """One table per (sensitive attributes, per-group rate); difference metrics first, so a
    table's CI is the recorded bootstrap CI whenever a rule measured that difference."""
    tables: dict[tuple[str, str], FairnessTable] = {}
    fair = [(f, m) for f, m in pairs if isinstance(m, FairnessMeasurement)]
    for finding, m in sorted(fair, key=lambda p: not p[1].metric.endswith("_difference")):
        family = m.metric.rsplit("_", 1)[0]
        difference = m.metrics.get(f"{family}_difference")
        attribute = ", ".join(m.sensitive) or "sensitive"
        for rate in _GROUP_RATES.get(family, ("selection_rate",)):
            values = [float(getattr(g, rate)) for g in m.per_group.values()]
            if (
                difference is not None
                and family == "equalized_odds"
                and values
                and not math.isclose(max(values) - min(values), difference, abs_tol=1e-9)
            ):
                continue  # equalized odds is the larger of the TPR and FPR gaps: show that one
            if (attribute, rate) in tables or difference is None:
                continue
            is_headline = m.metric == f"{family}_difference"
            tables[(attribute, rate)] = FairnessTable(
                attribute, rate, _group_rates(m, rate), float(difference),
                m.lower if is_headline else None, m.upper if is_headline else None,
                _limit(finding, ("upper", "value")) if is_headline else None, m.four_fifths_pass,
                confidence=m.confidence,
            )  # fmt: skip
    return list(tables.values())


def _drift(pairs: Sequence[tuple[dict[str, Any], Measurement]]) -> list[DriftFeature]:
    """Per-feature drift of one measurement: the one whose rule sets a threshold, else the first."""
    drifts: list[DriftMeasurement] = [m for _, m in pairs if isinstance(m, DriftMeasurement)]
    if not drifts:
        return []
    m = next((d for d in drifts if d.threshold is not None), drifts[0])
    return [DriftFeature(feature, s.statistic_name, s.statistic, m.threshold, s.pvalue, s.drifted)
            for feature, s in m.per_feature.items()]  # fmt: skip


def _rows(rates: dict[str, PassRate]) -> list[PassRateRow]:
    return [PassRateRow(name, r.n, r.passed, r.pass_rate, r.lower, r.upper) for name, r in rates.items()]


def _llm_eval(pairs: Sequence[tuple[dict[str, Any], Measurement]]) -> list[LLMEvalTable]:
    """One table per rule that measured an LLM evaluation (a rule with groups shows them)."""
    return [
        LLMEvalTable(
            rule=str(f.get("rule", "")), tool=m.tool, tool_version=m.tool_version, results_digest=m.results_digest,
            n=m.n, pass_rate=m.pass_rate, lower=m.lower, upper=m.upper, tasks=_rows(m.per_task),
            group_by=m.group_by, groups=_rows(m.per_group), group_gap=m.group_gap, group_gap_upper=m.group_gap_upper,
            threshold=_limit(f, ("lower", "pass_rate", "value", "group_gap_upper")), inconclusive=m.inconclusive,
            confidence=m.confidence,
        )
        for f, m in pairs
        if isinstance(m, LLMEvalMeasurement)
    ]  # fmt: skip


def _redteam(pairs: Sequence[tuple[dict[str, Any], Measurement]]) -> list[RedTeamTable]:
    return [
        RedTeamTable(
            rule=str(f.get("rule", "")), tool=m.tool, tool_version=m.tool_version, results_digest=m.results_digest,
            n=m.n, attack_success_rate=m.attack_success_rate, upper=m.upper, worst_family=m.worst_family,
            families=[AttackRow(name, a.n, a.successes, a.rate, a.upper) for name, a in m.per_family.items()],
            threshold=_limit(f, ("value", "max_family_upper", "upper")), inconclusive=m.inconclusive,
            confidence=m.confidence,
        )
        for f, m in pairs
        if isinstance(m, RedTeamMeasurement)
    ]  # fmt: skip


def _guardrails(pairs: Sequence[tuple[dict[str, Any], Measurement]]) -> list[GuardrailsSummary]:
    return [
        GuardrailsSummary(str(f.get("rule", "")), m.rails, m.missing, m.tools, m.unapproved_tools)
        for f, m in pairs
        if isinstance(m, GuardrailsMeasurement)
    ]


def _importance(pairs: Sequence[tuple[dict[str, Any], Measurement]], protected: set[str]) -> list[FeatureImportance]:
    explained: list[ExplainabilityMeasurement] = [m for _, m in pairs if isinstance(m, ExplainabilityMeasurement)]
    if not explained:
        return []
    m = explained[0]
    flagged = set(m.protected_in_top) | set(m.proxies) | set(m.protected) | protected
    return [FeatureImportance(f, v, f in flagged) for f, v in m.importance.items()]


def _controls(findings: list[dict[str, Any]], rules: Sequence[Any]) -> list[ControlStatus]:
    """Each catalog control: ``failing`` when a non-passing finding cites it, ``evidenced`` when only
    passing ones do, ``not_evaluated`` when a loaded rule cites it but none was evaluated for this
    model, ``not_covered`` when no loaded rule cites it."""
    from govern.policy import load_catalog

    passing: dict[str, set[str]] = {}
    failing: dict[str, set[str]] = {}
    for f in findings:
        for c in f.get("controls") or []:
            (passing if f["result"] == "pass" else failing).setdefault(c, set()).add(f["rule"])
    cited: dict[str, set[str]] = {}
    for rule in rules:
        for c in rule.controls:
            cited.setdefault(c, set()).add(rule.qualified_id)
    out = []
    for cid, control in load_catalog().items():
        if cid in failing:
            status, names = "failing", failing[cid] | passing.get(cid, set())
        elif cid in passing:
            status, names = "evidenced", passing[cid]
        elif cid in cited:
            status, names = "not_evaluated", cited[cid]
        else:
            status, names = "not_covered", set()
        framework = _FRAMEWORKS.get(control.framework, control.framework)
        out.append(ControlStatus(framework, cid, control.title, status, sorted(names)))  # type: ignore[arg-type]
    return out


# The flat documentation fields a model is registered with (``ModelSpec.card``) -> ModelCard fields.
_FLAT_CARD = {
    "description": ("model_details", "description"), "license": ("model_details", "license"),
    "intended_use": ("intended_use", "primary_uses"), "primary_users": ("intended_use", "primary_users"),
    "out_of_scope_uses": ("intended_use", "out_of_scope"), "training_data": ("training_data", "description"),
    "evaluation_data": ("evaluation_data", "description"), "human_oversight": ("human_oversight", "description"),
    "metrics": ("metrics",), "factors": ("factors",), "limitations": ("caveats_and_recommendations",),
    "caveats_and_recommendations": ("caveats_and_recommendations",),
    "ethical_considerations": ("ethical_considerations",),
}  # fmt: skip


def _card(card: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any] | None:
    """The registered card as a ModelCard (JSON): as is when it is one, else its flat
    documentation fields mapped onto the schema, else every field kept as notes."""
    from pydantic import ValidationError

    from govern.cards import ModelCard

    if not card:
        return None
    try:
        return ModelCard.model_validate(card).model_dump(mode="json")
    except ValidationError:
        pass
    mapped: dict[str, Any] = {
        "model_details": {"name": facts.get("name", ""), "version": facts.get("version", ""),
                          "owners": [facts["owner"]] if facts.get("owner") else []},
        "use_case": facts.get("use_case") or "", "risk_tier": facts.get("tier") or None,
    }  # fmt: skip
    notes = []
    for key, value in card.items():
        where = _FLAT_CARD.get(key)
        if key == "owner" and value in (facts.get("owner"), None, ""):
            continue
        if where is None or not isinstance(value, (str, list)):
            notes.append(f"**{key}**: {value}")
        elif len(where) == 1:
            mapped[where[0]] = value
        else:
            mapped.setdefault(where[0], {})[where[1]] = value
    mapped["notes"] = "\n\n".join(notes)
    try:
        return ModelCard.model_validate(mapped).model_dump(mode="json")
    except ValidationError:
        return {"notes": "\n\n".join(f"**{k}**: {v}" for k, v in card.items())}


# -- reviews ----------------------------------------------------------------------------------------


def _reviews(
    session: Session, *, model: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> list[ReviewAction]:
    """Votes and waivers (of one model version, or within [start, end)), oldest first."""
    from govern.decisions import votes, waivers

    now = utcnow()
    out: list[tuple[datetime, ReviewAction]] = []
    for v in votes(session, model=model, since=start, until=end):
        kind: Literal["approval", "rejection"] = "approval" if v.verdict == "approve" else "rejection"
        out.append((v.created_at, ReviewAction(
            kind, v.approver, v.role, isoformat(v.created_at), v.justification, v.model, v.decision_id,
            expires=isoformat(v.request_expires_at), status=v.request_status,
        )))  # fmt: skip
    for w in waivers(session, model=model, since=start, until=end):
        out.append((w.created_at, ReviewAction(
            "waiver", w.granted_by, w.granted_role or "role not recorded", isoformat(w.created_at), w.justification,
            w.model, w.decision_id or "", w.rule, isoformat(w.expires_at),
            "active" if w.expires_at > now else "expired",
        )))  # fmt: skip
    return [r for _, r in sorted(out, key=lambda x: x[0])]


# -- the model report -------------------------------------------------------------------------------


def gather_model(store: Store, ref: str, *, settings: Settings, rules: Sequence[Any] = ()) -> ModelReportData:
    """Everything the model report shows for model version ``ref``, from the database.

    ``rules`` are the loaded policy rules (``PackSet.rules``): they decide which controls are
    covered at all. Measured numbers, intervals and thresholds are read from the ledgered
    decision as recorded (``govern.measurements`` types; thresholds from each finding). Signs a
    checkpoint when none covers the whole ledger. Raises ``GovernError`` ``not_found`` /
    ``invalid_ref`` for an unknown model version.
    """
    from govern.decisions import history
    from govern.lineage import model_facts, subgraph

    parsed = parse_ref(ref)
    with store.read() as session:
        facts = model_facts(session, parsed)["model"]
        model = f"{facts['name']}@{facts['version']}"
        graph = subgraph(session, parsed, "upstream")
        docs = _docs(history(session, model=model))
        reviews = _reviews(session, model=model)
    ledger = _ledger(store, settings, {d.id: d.seq for d in docs})
    latest = docs[-1] if docs else None
    latest_per_gate = {d.gate: d for d in docs}
    protected = set((latest.document.get("facts", {}).get("model", {}).get("card", {}) or {}).get("protected", [])
                    if latest else [])  # fmt: skip
    return ModelReportData(
        model=model,
        tier=str(facts.get("tier") or ""),
        stage=str(facts.get("stage") or ""),
        generated_at=isoformat(utcnow()),
        owner=str(facts.get("owner") or ""),
        decision=_record(latest) if latest else None,
        card=_card(facts.get("card") or {}, facts),
        lineage=LineageGraph(
            [
                LineageNode(n.ref, n.kind)
                for n in sorted(graph.nodes.values(), key=lambda n: (n.kind != "model", n.ref))
            ],
            [LineageEdge(graph.nodes[s].ref, graph.nodes[d].ref, k) for s, d, k in sorted(graph.edges)],
        ),
        fairness=_fairness(_latest_measured(docs, "fairness")),
        drift=_drift(_latest_measured(docs, "drift")),
        monitoring=_monitoring(docs),
        importance=_importance(_latest_measured(docs, "explainability"), protected),
        llm_eval=_llm_eval(_latest_measured(docs, "llm_eval")),
        redteam=_redteam(_latest_measured(docs, "redteam")),
        guardrails=_guardrails(_latest_measured(docs, "guardrails")),
        reviews=reviews,
        ledger=_model_entries(store, model, {d.id for d in docs}),
        verification=ledger.verification,
        controls=_controls([f for d in latest_per_gate.values() for f in d.document.get("findings", [])], rules),
        evidence=_evidence(docs, ledger),
    )


def _model_entries(store: Store, model: str, decisions: set[str]) -> list[LedgerRow]:
    """Ledger entries whose payload names the model or one of its decisions."""
    from govern.ledger import iter_entries

    out = []
    with store.read() as session:
        for e in iter_entries(session):
            text = e.payload_text
            # A substring test first: parsing every payload of a long ledger is the slow part.
            if model not in text and not any(d in text for d in decisions):
                continue
            p = json.loads(text)
            if p.get("model") == model or p.get("decision") in decisions:
                out.append(LedgerRow(e.seq, e.time, e.kind, e.hash, e.actor))
    return out


def gather_annex_iv(
    store: Store, ref: str, *, settings: Settings, packs: PackSet
) -> tuple[ModelReportData, AnnexContext]:
    """The model report's data for ``ref`` and what Annex IV adds: stage history, the tier's
    monitoring plan and its last run, the declaration of conformity reference (a model tag)."""
    from govern.decisions import monitoring_status, stage_changes
    from govern.lineage import model_facts

    data = gather_model(store, ref, settings=settings, rules=packs.rules)
    with store.read() as session:
        facts = model_facts(session, parse_ref(data.model))["model"]
        changes = stage_changes(session, model=data.model)
        status = next((m for m in monitoring_status(session, packs) if m.model == data.model), None)
    plan = packs.monitoring_requirement(data.tier)
    history = [
        f"{isoformat(c.created_at)}: {c.from_stage} -> {c.to_stage} by {c.actor}"
        + (f" (decision {c.decision_id})" if c.decision_id else f" ({c.justification})" if c.justification else "")
        for c in changes
    ]
    last = ""
    if status is not None and status.last_run_at is not None:
        last = f"{isoformat(status.last_run_at)}: {status.last_outcome} (decision {status.last_decision})"
        last += f"; next due {isoformat(status.due_at)}" + (" (OVERDUE)" if status.overdue else "")
    return data, AnnexContext(
        stage_history=history,
        monitoring_plan=(
            f"every {plan.every.days} days"
            + (", promotion held when overdue" if plan.hold_promotion else "")
            + (f"; owners {', '.join(sorted(plan.owners))}" if plan.owners else "")
            if plan
            else ""
        ),
        monitoring_last_run=last,
        declaration_of_conformity=str(facts.get("tags", {}).get("eu_declaration_of_conformity", "")),
    )


# -- the period report ------------------------------------------------------------------------------


def gather_period(
    store: Store, start: datetime, end: datetime, *, settings: Settings, packs: PackSet | None = None
) -> PeriodReportData:
    """Every decision, review and stage change from ``start`` (inclusive) to ``end`` (exclusive),
    across all models, with the exceptions an auditor reads first and the ledger verification.
    Exceptions include, as of the period's end (or now, if sooner), incidents whose statutory
    report is overdue and, given the ``packs``, production models whose monitoring plan is overdue.

    Raises ``GovernError(invalid_period)`` when ``end`` is not after ``start``.
    """
    from govern.decisions import expired_requests, history
    from govern.decisions import stage_changes as changes_in

    if end <= start:
        raise GovernError(INVALID_PERIOD, f"the period end {isoformat(end)} is not after its start {isoformat(start)}")
    with store.read() as session:
        docs = _docs(history(session, since=start, until=end))
        reviews = _reviews(session, start=start, end=end)
        changes = changes_in(session, since=start, until=end)
        stage_changes = [StageChange(c.model, c.from_stage, c.to_stage, isoformat(c.created_at), c.actor,
                                     c.decision_id or "") for c in changes]  # fmt: skip
        rollbacks = [(c, c.justification) for c in changes if c.decision_id is None]
        expired = expired_requests(session, start, end)
        expired_items = [ExceptionItem("expired_approval", r.model, isoformat(r.expires_at),
                                       f"approval request {r.id} ({r.target}) expired unanswered", r.decision_id)
                         for r in expired]  # fmt: skip
        expired_items += _overdue(session, packs, min(end, utcnow()))
    ledger = _ledger(store, settings, {d.id: d.seq for d in docs})
    exceptions = expired_items + _decision_exceptions(docs)
    exceptions += [ExceptionItem("rollback", c.model, isoformat(c.created_at),
                                 f"rolled back {c.from_stage} -> {c.to_stage} by {c.actor}: {why or ''}".strip())
                   for c, why in rollbacks]  # fmt: skip
    if not ledger.verification.ok:
        exceptions.append(ExceptionItem("integrity_failure", "", isoformat(utcnow()), ledger.verification.message))
    return PeriodReportData(
        start=isoformat(start), end=isoformat(end), generated_at=isoformat(utcnow()),
        exceptions=exceptions, decisions=[_record(d) for d in docs], reviews=reviews,
        stage_changes=stage_changes, verification=ledger.verification, evidence=_evidence(docs, ledger),
    )  # fmt: skip


def _overdue(session: Session, packs: PackSet | None, at: datetime) -> list[ExceptionItem]:
    """Post-market duties missed at ``at``: incident reports (Art. 73), monitoring runs (Art. 72)."""
    from govern.decisions import monitoring_status
    from govern.incidents import overdue_incidents

    out = [
        ExceptionItem(
            "incident_overdue",
            ", ".join(i.models),
            isoformat(i.deadline_at),
            f"incident {i.id} ({i.category}): initial report due within {i.deadline_days} days of awareness, "
            f"by {isoformat(i.deadline_at)}, not filed (EU AI Act Art. 73)",
        )
        for i in overdue_incidents(session, at)
    ]
    if packs is not None:
        out += [
            ExceptionItem(
                "monitoring_overdue",
                m.model,
                isoformat(m.due_at),
                f"monitoring plan (every {m.every_days:g} days) overdue since {isoformat(m.due_at)}; last run "
                + (f"{isoformat(m.last_run_at)} ({m.last_outcome})" if m.last_run_at else "never")
                + (", promotion held" if m.hold_promotion else "")
                + " (EU AI Act Art. 72)",
                m.last_decision or "",
            )
            for m in monitoring_status(session, packs, now=at)
            if m.overdue
        ]
    return out


def _decision_exceptions(docs: Sequence[_Doc]) -> list[ExceptionItem]:
    out = []
    for d in docs:
        findings = d.document.get("findings", [])
        waived = [f for f in findings if f.get("result") == "waived" and f.get("on_fail") in ("deny", "retrain")]
        if waived:
            rules = ", ".join(f"{f['rule']} (waiver {f.get('waiver')})" for f in waived)
            out.append(ExceptionItem("waived_deny", d.model, d.time,
                                     f"failing {rules} waived; outcome {d.outcome}", d.id))  # fmt: skip
        if d.gate == "retrain" and d.outcome == "retrain":
            failed = ", ".join(f"{f['rule']} {fmt(f.get('value'))}" for f in findings if f.get("result") in _FAILING)
            out.append(ExceptionItem("retraining_triggered", d.model, d.time, f"retraining triggered: {failed}", d.id))
    return out
