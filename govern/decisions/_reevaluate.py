"""Re-evaluation when upstream data is flagged, and back-testing a changed pack on past decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col

from govern.core import GovernError, json_digest, parse_ref
from govern.measurements import recorded_cel

from ._codes import JUSTIFICATION_REQUIRED
from ._context import Context, audit
from ._gate import _base_verdict, promote
from ._tables import DecisionRow
from ._types import Decision, Finding

if TYPE_CHECKING:
    from govern.policy import BoundRule

REEVALUATOR = "govern:re-evaluation"


def flag(ctx: Context, ref: str, reason: str, actor: str) -> list[Decision]:
    """Flag a dataset or feature version and re-evaluate every model in staging or production
    downstream of it (each result is a ledgered decision). Returns those decisions."""
    from govern.lineage import flag as flag_node
    from govern.lineage import impact

    if not reason.strip():
        raise GovernError(JUSTIFICATION_REQUIRED, "flagging needs a reason")
    target = parse_ref(ref, default_kind="dataset")
    with ctx.store.write() as session:
        flag_node(session, target, reason.strip())
        impacted = impact(session, target)
        audit(
            session,
            actor,
            "lineage.flagged",
            {
                "ref": str(target),
                "reason": reason.strip(),
                "impacted": [m.ref for m in impacted if m.stage in ("staging", "production")],
            },
        )
    return [
        promote(ctx, m.ref, m.stage, f"{REEVALUATOR} ({actor})")
        for m in impacted
        if m.stage in ("staging", "production")
    ]


@dataclass(frozen=True)
class Flip:
    decision: str
    model: str
    time: datetime
    before: str
    after: str
    rules: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "model": self.model,
            "time": self.time.isoformat(),
            "before": self.before,
            "after": self.after,
            "rules": self.rules,
        }


def backtest(ctx: Context, pack_paths: list[Path], since: datetime) -> tuple[int, list[Flip]]:
    """Replay ``pack_paths`` (replacing the loaded packs of the same names) over promotion
    decisions since ``since``, from their recorded facts and measurements. Changes nothing.

    A rule whose measurement was never recorded (a new check or new parameters) is judged
    ``inconclusive``. Returns (decisions replayed, decisions whose policy verdict would flip).
    """
    from govern.checks import param_problems
    from govern.policy import PackSet, judge_many, load_packs

    changed = load_packs(pack_paths, check_params=param_problems)
    names = {p.name for p in changed.packs}
    packs = PackSet(tuple(p for p in ctx.packs.packs if p.name not in names) + changed.packs)
    flips: list[Flip] = []
    count = 0
    with ctx.store.read() as session:
        rows = session.execute(
            sa.select(col(DecisionRow.id), col(DecisionRow.document), col(DecisionRow.created_at))
            .where(col(DecisionRow.gate) == "promote", col(DecisionRow.created_at) >= since)
            .order_by(col(DecisionRow.created_at))
        ).all()
    for decision_id, doc, created in rows:
        count += 1
        old = Decision.from_document(doc)
        facts, recorded = old.facts, old.measurements
        new_findings: list[Finding | None] = []
        judged: list[tuple[int, BoundRule, str]] = []
        as_cel: dict[str, Any] = {}  # one CEL view per recorded measurement, shared by its rules
        for rule in packs.applicable(facts, "promote"):
            key = json_digest({"check": rule.check, "with": rule.params})[7:23]
            if key not in recorded:
                new_findings.append(
                    Finding.of(
                        rule,
                        result="inconclusive",
                        value=None,
                        message="measurement not recorded",
                        measurement=None,
                    )
                )
                continue
            if key not in as_cel:
                as_cel[key] = recorded_cel(rule.check, recorded[key])
            judged.append((len(new_findings), rule, key))
            new_findings.append(None)
        pairs = [(rule, as_cel[key]) for _, rule, key in judged]
        for (slot, rule, key), j in zip(judged, judge_many(pairs, facts), strict=True):
            new_findings[slot] = Finding.of(rule, result=j.result, value=None, message=j.message, measurement=key)
        findings = [f for f in new_findings if f is not None]
        before, after = _base_verdict(old.findings), _base_verdict(findings)
        if before != after:
            old_results = {f.rule: f.result for f in old.findings}
            changed_rules = sorted(f.rule for f in findings if old_results.get(f.rule) != f.result)
            flips.append(Flip(decision_id, old.model, created, before, after, changed_rules))
    return count, flips
