"""Post-market monitoring plans enforced (EU AI Act Art. 72): when each production model was last
monitored, when it is next due, and whether an overdue plan holds promotion.

A monitoring run is a retraining-gate decision on a current window of production data
(``govern monitor run``); the plan of the model's tier (a ``MonitoringPlan`` pack document) says
how often one is due. Never monitored, the clock starts when the version entered production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import isoformat, utcnow
from govern.policy import PackSet

from ._tables import DecisionRow, StageChangeRow


@dataclass(frozen=True, kw_only=True)
class MonitoringStatus:
    """One production model version's place in its monitoring plan."""

    model: str
    tier: str
    every_days: float
    hold_promotion: bool
    last_run_at: datetime | None
    last_outcome: str | None
    last_decision: str | None
    in_production_since: datetime | None
    due_at: datetime
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tier": self.tier,
            "every_days": self.every_days,
            "hold_promotion": self.hold_promotion,
            "last_run_at": isoformat(self.last_run_at) if self.last_run_at else None,
            "last_outcome": self.last_outcome,
            "last_decision": self.last_decision,
            "in_production_since": isoformat(self.in_production_since) if self.in_production_since else None,
            "due_at": isoformat(self.due_at),
            "overdue": self.overdue,
        }


def monitoring_status(session: Session, packs: PackSet, *, now: datetime | None = None) -> list[MonitoringStatus]:
    """Every production model version whose tier has a monitoring plan, the most overdue first."""
    from govern.core import parse_ref
    from govern.lineage import list_models, model_record

    at = now or utcnow()
    out = []
    for model in list_models(session, stage="production"):
        plan = packs.monitoring_requirement(model["tier"] or "minimal")
        if plan is None:
            continue
        record = model_record(session, parse_ref(model["model"]))
        node_id = record.node_id
        last = session.execute(
            sa.select(col(DecisionRow.id), col(DecisionRow.outcome), col(DecisionRow.created_at))
            .where(col(DecisionRow.model_node_id) == node_id, col(DecisionRow.gate) == "retrain")
            .order_by(col(DecisionRow.created_at).desc(), col(DecisionRow.ledger_seq).desc())
            .limit(1)
        ).first()
        since = session.execute(
            sa.select(sa.func.max(col(StageChangeRow.created_at))).where(
                col(StageChangeRow.model_node_id) == node_id, col(StageChangeRow.to_stage) == "production"
            )
        ).scalar()
        start = last.created_at if last is not None else (since or record.registered_at)
        due = start + plan.every
        out.append(
            MonitoringStatus(
                model=model["model"],
                tier=model["tier"],
                every_days=plan.every.total_seconds() / 86400,
                hold_promotion=plan.hold_promotion,
                last_run_at=last.created_at if last is not None else None,
                last_outcome=last.outcome if last is not None else None,
                last_decision=last.id if last is not None else None,
                in_production_since=since,
                due_at=due,
                overdue=at > due,
            )
        )
    return sorted(out, key=lambda s: s.due_at)


def monitoring_holds(
    session: Session, packs: PackSet, name: str, *, now: datetime | None = None
) -> list[MonitoringStatus]:
    """The overdue plans, with ``holdPromotion``, of model ``name``'s production versions: while
    one is overdue no version of ``name`` is promoted."""
    return [
        s
        for s in monitoring_status(session, packs, now=now)
        if s.overdue and s.hold_promotion and s.model.rsplit("@", 1)[0] == name
    ]
