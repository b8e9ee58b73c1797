"""Promotion targets by name (``staging``, ``production``, or an alias such as ``champion``).

Settings map each target to the stage whose rules and approvals it has. One version of a model
holds a target at a time: an allowed promotion hands it over and archives the previous holder when
that one holds nothing else at its stage; a rollback releases what the version no longer qualifies
for. Released rows stay as history; every hand-over is ledgered in the decision's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import STAGES, GovernError, PromotionTarget, isoformat, parse_ref, utcnow

from ._codes import INVALID_STAGE
from ._context import Context, audit
from ._inputs import ModelState, model_state
from ._tables import TargetHolderRow

_RANK = {"none": 0, "staging": 1, "production": 2}


@dataclass(frozen=True)
class TargetHolder:
    """The version of a model that holds ``target`` (since ``assigned_at``, by ``decision_id``)."""

    model: str
    target: str
    decision_id: str
    assigned_at: datetime
    ledger_seq: int

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "target": self.target,
            "decision": self.decision_id,
            "assigned_at": isoformat(self.assigned_at),
            "ledger_seq": self.ledger_seq,
        }


def target_stage(ctx: Context, target: str) -> PromotionTarget:
    """The stage promotion to ``target`` means; raises ``invalid_stage`` for an undeclared target."""
    stage = ctx.targets.get(target)
    if stage is None:
        raise GovernError(
            INVALID_STAGE,
            f"promotion target must be one of {', '.join(ctx.targets)} (settings: promotion_targets)",
        )
    return stage


def holders(session: Session, *, name: str | None = None, ref: str | None = None) -> list[TargetHolder]:
    """The live holders (of model ``name``'s targets, or the targets version ``ref`` holds)."""
    query = sa.select(TargetHolderRow).where(col(TargetHolderRow.released_at).is_(None))
    if name is not None:
        query = query.where(col(TargetHolderRow.model_name) == name)
    if ref is not None:
        query = query.where(col(TargetHolderRow.model_ref) == ref)
    rows = session.execute(query.order_by(col(TargetHolderRow.id))).scalars()
    return [TargetHolder(r.model_ref, r.target, r.decision_id, r.assigned_at, r.ledger_seq) for r in rows]


def _live(session: Session, name: str, target: str) -> list[TargetHolderRow]:
    query = sa.select(TargetHolderRow).where(
        col(TargetHolderRow.model_name) == name,
        col(TargetHolderRow.target) == target,
        col(TargetHolderRow.released_at).is_(None),
    )
    return list(session.execute(query).scalars())


def assign(
    session: Session, ctx: Context, state: ModelState, target: str, actor: str, *, decision_id: str
) -> list[str]:
    """Hand ``target`` to ``state`` (just allowed to it); returns the previous holders archived."""
    from govern.lineage import list_models

    from ._gate import change_stage

    live = _live(session, state.name, target)
    if any(r.model_node_id == state.node_id for r in live):
        return []  # it holds the target already (a re-run of the gate)
    previous = [r.model_ref for r in live]
    if not live and target in STAGES:  # before targets were recorded: whoever is at that stage
        previous = [m["model"] for m in list_models(session, stage=target, name=state.name) if m["model"] != state.ref]
    now = utcnow()
    for row in live:
        row.released_at, row.released_by = now, f"replaced by {state.ref} ({decision_id})"
    stage = target_stage(ctx, target)
    entry = audit(
        session,
        actor,
        "target.assigned",
        {"model": state.ref, "target": target, "stage": stage, "previous": previous, "decision": decision_id},
    )
    session.add(
        TargetHolderRow(
            model_name=state.name,
            target=target,
            model_node_id=state.node_id,
            model_ref=state.ref,
            decision_id=decision_id,
            assigned_at=now,
            ledger_seq=entry.seq,
        )
    )
    session.flush()
    archived = []
    for ref in previous:
        old = model_state(session, parse_ref(ref), ctx.blob_dir)
        if old.stage != stage or any(h.target != target for h in holders(session, ref=ref)):
            continue  # moved on already, or still holds another target at its stage
        change_stage(
            session,
            old,
            "archived",
            actor,
            decision_id=decision_id,
            justification=f"replaced at {target} by {state.ref}",
        )
        archived.append(ref)
    return archived


def release(session: Session, ctx: Context, state: ModelState, to_stage: str, actor: str) -> list[str]:
    """Release the targets ``state`` no longer qualifies for after moving down to ``to_stage``."""
    keep = _RANK.get(to_stage, -1)
    gone = [
        row
        for row in session.execute(
            sa.select(TargetHolderRow).where(
                col(TargetHolderRow.model_node_id) == state.node_id, col(TargetHolderRow.released_at).is_(None)
            )
        ).scalars()
        if _RANK[ctx.targets.get(row.target, "production")] > keep
    ]
    if not gone:
        return []
    now = utcnow()
    for row in gone:
        row.released_at, row.released_by = now, f"moved to {to_stage} by {actor}"
    targets = sorted(r.target for r in gone)
    audit(session, actor, "target.released", {"model": state.ref, "targets": targets, "to": to_stage})
    return targets
