"""The promotion and retraining gates: select rules, run checks, judge, decide, ledger."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import (
    ConflictError,
    EvidenceRole,
    GovernError,
    Progress,
    StepProgress,
    isoformat,
    json_digest,
    parse_ref,
    utcnow,
)
from govern.incidents import blocking
from govern.reviews import blocking as open_high_findings

from ._approvals import approval_status, void_stale
from ._codes import INPUTS_CHANGED, NO_APPLICABLE_RULE
from ._context import Context, audit
from ._inputs import ModelState, bound_digest, champion_ref, model_state
from ._monitoring import monitoring_holds
from ._tables import DecisionRow, StageChangeRow, WaiverRow
from ._targets import assign, target_stage
from ._types import Decision, Finding, Outcome

if TYPE_CHECKING:
    from govern.policy import BoundRule, Verdict

_BY_APPROVAL: dict[str, Outcome] = {"approved": "allow", "rejected": "deny"}
_RETRAIN_OUTCOME: dict[Verdict, Outcome] = {
    "allow": "monitor",
    "review": "review",
    "retrain": "retrain",
    "deny": "review",
}


def _recorded_measurements(
    session: Session, node_id: int, digest: str, champion: str | None, facts: dict[str, Any]
) -> dict[str, Any]:
    """Measurements of the newest decision on exactly these inputs: same bound digest (model,
    card, evidence, packs), same champion and the same facts (lineage flags, tier, stage, target).

    Evidence is content-addressed, so a measurement recorded for the same (check, parameters) on
    the same inputs is the same number: reuse it instead of recomputing (the warm gate then costs a
    few database reads).
    """
    row = session.execute(
        sa.select(col(DecisionRow.document))
        .where(
            col(DecisionRow.model_node_id) == node_id,
            col(DecisionRow.bound_digest) == digest,
            col(DecisionRow.gate) == "promote",
        )
        .order_by(col(DecisionRow.created_at).desc())
        .limit(1)
    ).first()
    if row is None or row[0].get("champion") != champion or json_digest(row[0].get("facts")) != json_digest(facts):
        return {}
    return dict(row[0].get("measurements") or {})


def _labelled(progress: StepProgress, label: str) -> Progress:
    """A check's ``(done, total)`` callback that reports under ``label``."""
    return lambda done, total: progress(label, done, total)


def _measure(
    ctx: Context,
    state: ModelState,
    rules: list[Any],
    facts: dict[str, Any],
    progress: StepProgress | None,
    *,
    reuse: bool = True,
) -> tuple[list[Finding], dict[str, dict[str, Any]], str | None]:
    """Run each distinct (check, params) once and judge every rule on its measurement."""
    from govern.checks import run_check
    from govern.evidence import evidence_for
    from govern.measurements import Measurement, measurement_from_json

    with ctx.store.read() as session:
        champion = champion_ref(session, state.name, state.node_id)
        evidence = evidence_for(session, ctx.blob_dir, state.ref, champion=champion)
        known = (
            _recorded_measurements(session, state.node_id, bound_digest(state, ctx.packs.digests), champion, facts)
            if reuse
            else {}
        )
    measurements: dict[str, dict[str, Any]] = {}  # as ledgered: each measurement's to_json()
    typed: dict[str, Measurement] = {}
    errors: dict[str, GovernError] = {}
    findings: list[Finding | None] = []
    judged: list[tuple[int, BoundRule, str]] = []  # (finding slot, rule, measurement key): judged together below
    for i, rule in enumerate(rules):
        key = json_digest({"check": rule.check, "with": rule.params})[7:23]
        if key in known and key not in measurements:
            try:
                typed[key] = measurement_from_json(rule.check, known[key])
                measurements[key] = known[key]
            except GovernError:
                pass  # recorded by an older release without today's fields: measure again
        if key not in measurements and key not in errors:
            if progress:
                progress(f"{rule.check} ({rule.qualified_id})", i, len(rules))
            try:
                typed[key] = run_check(
                    rule.check,
                    rule.params,
                    evidence,
                    facts,
                    progress=_labelled(progress, rule.check) if progress else None,
                )
                measurements[key] = typed[key].to_json()
            except GovernError as exc:
                errors[key] = exc
        if key in errors:
            err = errors[key]
            findings.append(
                Finding.of(
                    rule,
                    result="error",
                    value=None,
                    message=f"{err.code}: {err.message}",
                    measurement=None,
                )
            )
            continue
        judged.append((len(findings), rule, key))
        findings.append(None)
    # one engine call for the rules sharing facts and measurements (the same judgements as each alone)
    from govern.policy import judge_many

    for (slot, rule, key), judgement in zip(
        judged, judge_many([(rule, typed[key]) for _, rule, key in judged], facts), strict=True
    ):
        findings[slot] = Finding.of(
            rule, result=judgement.result, value=typed[key].value, message=judgement.message, measurement=key
        )
    if progress:
        progress("done", len(rules), len(rules))
    return [f for f in findings if f is not None], measurements, champion


def _active_waivers(session: Session, node_id: int) -> dict[str, str]:
    now = utcnow()
    rows = session.execute(
        sa.select(col(WaiverRow.rule), col(WaiverRow.id), col(WaiverRow.expires_at)).where(
            col(WaiverRow.model_node_id) == node_id
        )
    ).all()
    return {rule: wid for rule, wid, expires in rows if expires > now}


def _apply_waivers(findings: list[Finding], waivers: dict[str, str]) -> list[Finding]:
    out = []
    for f in findings:
        if f.result == "fail" and f.rule in waivers:
            f = Finding(**{**f.__dict__, "result": "waived", "waiver": waivers[f.rule]})
        out.append(f)
    return out


def _base_verdict(findings: list[Finding]) -> Verdict:
    """The policy verdict over the findings; waived failures no longer count."""
    from govern.policy import combine

    return combine((f.on_fail, f.result) for f in findings if f.result != "waived")


def _prepare(
    ctx: Context, ref_text: str, gate: str, target: str | None
) -> tuple[ModelState, dict[str, Any], Any, list[Any]]:
    with ctx.store.read() as session:
        state = model_state(session, parse_ref(ref_text), ctx.blob_dir)
    facts = {**state.facts, "target": target or state.stage}
    tier = ctx.packs.tier(facts)
    facts["model"] = {**facts["model"], "tier": tier.tier}
    rules = ctx.packs.applicable(facts, gate)  # type: ignore[arg-type]
    if not rules and tier.tier != "prohibited":
        raise GovernError(
            NO_APPLICABLE_RULE,
            f"no policy rule applies to {state.ref} at the {gate} gate; refusing to decide (fail closed)",
        )
    return state, facts, tier, rules


def promote(ctx: Context, ref: str, target: str, requester: str, *, progress: StepProgress | None = None) -> Decision:
    """Evaluate ``ref`` for promotion to ``target`` and record the Decision.

    ``allow`` moves the model to ``target`` in the same transaction as the decision's ledger
    entry; ``pending_approval`` opens (or reuses) an approval request bound to the evaluated
    inputs; ``deny`` changes nothing else. Raises ``no_applicable_rule``, ``invalid_stage``,
    ``not_found``, ``inputs_changed`` and ledger errors; never returns allow without its entry.
    """
    stage = target_stage(ctx, target)  # a target's rules, approvals and lineage stage are its stage's
    state, facts, tier, rules = _prepare(ctx, ref, "promote", stage)
    findings, measurements, champion = _measure(ctx, state, rules, facts, progress) if rules else ([], {}, None)
    digest = bound_digest(state, ctx.packs.digests)
    decision_id = "dec_" + uuid.uuid4().hex[:20]
    with ctx.store.write() as session:
        fresh = model_state(session, parse_ref(state.ref), ctx.blob_dir)
        if bound_digest(fresh, ctx.packs.digests) != digest:
            raise ConflictError(
                INPUTS_CHANGED, f"{state.ref} or its evidence changed during evaluation; run the gate again"
            )
        void_stale(session, state, target, digest, requester)
        findings = _apply_waivers(findings, _active_waivers(session, state.node_id))
        verdict = _base_verdict(findings)
        reasons = [f"{f.rule}: {f.result}: {f.message}" for f in findings if f.blocking]
        approval: dict[str, Any] | None = None
        outcome: Outcome
        held = blocking(session, state.ref)  # open incidents on the model or anything upstream of it
        findings_held = open_high_findings(session, state.ref)  # validation findings not yet closed
        unmonitored = monitoring_holds(session, ctx.packs, state.ref.rsplit("@", 1)[0])  # Art. 72 plan overdue
        if tier.tier == "prohibited":
            outcome = "deny"
            reasons.insert(0, f"tier prohibited ({tier.rule_id}): a prohibited model can never be promoted")
        elif held:
            outcome = "deny"
            reasons.insert(
                0,
                f"open incident(s) {', '.join(i.id for i in held)} affect {state.ref}: "
                "close them before promoting (EU AI Act Art. 20, 73)",
            )
        elif findings_held:
            outcome = "deny"
            reasons.insert(
                0,
                f"open high-severity validation finding(s) {', '.join(f.id for f in findings_held)} on {state.ref}: "
                "close them before promoting (SR 11-7 section V)",
            )
        elif unmonitored:
            outcome = "deny"
            reasons.insert(
                0,
                "monitoring overdue: "
                + ", ".join(f"{m.model} was due by {isoformat(m.due_at)}" for m in unmonitored)
                + "; run `govern monitor run` on a current window first (EU AI Act Art. 72 plan)",
            )
        elif verdict in ("deny", "retrain"):
            outcome = "deny"
        else:
            requirement = ctx.packs.approval_requirement(tier.tier)
            needs = verdict == "review" or (stage == "production" and requirement.count > 0)
            if not needs:
                outcome = "allow"
            else:
                approval = approval_status(
                    session,
                    state,
                    target,
                    tier.tier,
                    digest,
                    requirement,
                    requester,
                    [f for f in findings if f.result != "pass"],
                    decision_id,
                )
                outcome = _BY_APPROVAL.get(approval["status"], "pending_approval")
                if outcome == "deny":
                    reasons.append(f"approval request {approval['request']} was rejected")
                elif outcome == "pending_approval":
                    reasons.append(f"needs approval: {approval['summary']}")
        decision = Decision(
            id=decision_id,
            gate="promote",
            model=state.ref,
            target=target,
            outcome=outcome,
            tier=tier.tier,
            tier_rule=tier.rule_id,
            requester=requester,
            time=isoformat(utcnow()),
            packs=ctx.packs.digests,
            evidence=state.evidence,
            bound_digest=digest,
            facts=facts,
            findings=findings,
            measurements=measurements,
            reasons=reasons,
            approval=approval,
            champion=champion,
            stage_before=state.stage,
            stage_after=stage if outcome == "allow" else state.stage,
        )
        _policy_loaded(session, ctx.packs, requester)
        _record(session, decision, state)
        if outcome == "allow":
            if state.stage != stage:
                change_stage(session, state, stage, requester, decision_id=decision.id)
            assign(session, ctx, state, target, requester, decision_id=decision.id)
    return decision


def retrain(ctx: Context, ref: str, current: Path, requester: str, *, progress: StepProgress | None = None) -> Decision:
    """Run the retrain-gate rules (drift) on fresh production data ``current``.

    The file is stored as ``current`` evidence first. Outcome: ``monitor`` (exit 0), ``review``
    (3) or ``retrain`` (4); a check that cannot run is ``review`` (never monitor: fail closed).
    """
    from govern.evidence import ColumnMapping

    from ._register import add_evidence

    with ctx.store.write() as session:
        state0 = model_state(session, parse_ref(ref), ctx.blob_dir)
        previous = _mapping_of(session, state0.ref, "reference")
        add_evidence(
            session,
            ctx.blob_dir,
            state0.ref,
            "current",
            current,
            mapping=ColumnMapping.from_dict(previous),
            created_by=requester,
        )
    state, facts, tier, rules = _prepare(ctx, ref, "retrain", None)
    findings, measurements, champion = _measure(ctx, state, rules, facts, progress, reuse=False)
    verdict = _base_verdict(findings)
    outcome = _RETRAIN_OUTCOME[verdict]
    reasons = [f"{f.rule}: {f.result}: {f.message}" for f in findings if f.blocking]
    with ctx.store.write() as session:
        decision = Decision(
            id="dec_" + uuid.uuid4().hex[:20],
            gate="retrain",
            model=state.ref,
            target=None,
            outcome=outcome,
            tier=tier.tier,
            tier_rule=tier.rule_id,
            requester=requester,
            time=isoformat(utcnow()),
            packs=ctx.packs.digests,
            evidence=state.evidence,
            bound_digest=bound_digest(state, ctx.packs.digests),
            facts=facts,
            findings=findings,
            measurements=measurements,
            reasons=reasons,
            champion=champion,
            stage_before=state.stage,
            stage_after=state.stage,
        )
        _policy_loaded(session, ctx.packs, requester)
        _record(session, decision, state, kind="retrain.decided")
    return decision


def _mapping_of(session: Session, subject: str, role: EvidenceRole) -> dict[str, Any] | None:
    from govern.evidence import latest_mapping

    return latest_mapping(session, subject, role)


def _policy_loaded(session: Session, packs: Any, actor: str) -> None:
    """Ledger ``policy.loaded`` for each pack version the first time a gate decides with it.

    Every decision already names the digests of its packs; this entry marks when a pack version
    came into force, so ``govern audit log --kind policy.loaded`` lists the policy history. The
    idempotency key (pack name and digest) makes it once per pack version, also under replicas.
    """
    for pack in packs.packs:
        audit(
            session,
            actor,
            "policy.loaded",
            {"pack": pack.name, "digest": pack.digest, "signed": pack.signed},
            key=f"policy.loaded:{pack.name}:{pack.digest}",
        )


def _record(session: Session, decision: Decision, state: ModelState, *, kind: str = "gate.decided") -> None:
    document = decision.document()
    doc_digest = json_digest(document)
    entry = audit(
        session,
        decision.requester,
        kind,
        {
            "decision": decision.id,
            "model": decision.model,
            "gate": decision.gate,
            "target": decision.target,
            "outcome": decision.outcome,
            "tier": decision.tier,
            "bound_digest": decision.bound_digest,
            "document_digest": doc_digest,
            "packs": decision.packs,
            "findings": {f.rule: f.result for f in decision.findings},
        },
    )
    decision.ledger_seq, decision.ledger_hash = entry.seq, entry.hash
    session.add(
        DecisionRow(
            id=decision.id,
            model_node_id=state.node_id,
            model_ref=decision.model,
            gate=decision.gate,
            target=decision.target,
            outcome=decision.outcome,
            tier=decision.tier,
            requester=decision.requester,
            bound_digest=decision.bound_digest,
            document=document,
            ledger_seq=entry.seq,
            ledger_hash=entry.hash,
            created_at=utcnow(),
        )
    )
    session.flush()


def change_stage(
    session: Session,
    state: ModelState,
    to: str,
    actor: str,
    *,
    decision_id: str | None = None,
    justification: str | None = None,
    marker: dict[str, Any] | None = None,
) -> int:
    """Move a model version to ``to``, with its history row and ledger entry (same transaction);
    ``marker`` adds fields to the entry (e.g. single-user mode)."""
    from govern.lineage import set_stage

    entry = audit(
        session,
        actor,
        "stage.changed",
        {
            "model": state.ref,
            "from": state.stage,
            "to": to,
            "decision": decision_id,
            "justification": justification,
            **(marker or {}),
        },
    )
    set_stage(session, state.node_id, to)
    session.add(
        StageChangeRow(
            model_node_id=state.node_id,
            model_ref=state.ref,
            from_stage=state.stage,
            to_stage=to,
            decision_id=decision_id,
            actor=actor,
            justification=justification,
            ledger_seq=entry.seq,
            created_at=utcnow(),
        )
    )
    session.flush()
    return int(entry.seq)
