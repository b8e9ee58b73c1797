"""The decisions room's read API: recorded decisions, votes, waivers, stage changes, requests.

Other rooms (reports, the web inbox, the demo) read decisions through these functions, never
through the tables. Each takes the caller's session, so a reader sees one consistent snapshot,
and returns frozen dataclasses, not rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import parse_ref, utcnow

from ._approvals import ApprovalView, _view, _votes
from ._tables import ApprovalRequestRow, ApprovalVoteRow, DecisionRow, StageChangeRow, WaiverRow


@dataclass(frozen=True, kw_only=True)
class StoredDecision:
    """A recorded gate decision: its ledgered document and where the ledger has it."""

    id: str
    model: str
    gate: str
    target: str | None
    outcome: str
    tier: str
    requester: str
    bound_digest: str
    document: dict[str, Any]
    ledger_seq: int
    ledger_hash: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class VoteRecord:
    """One approval or rejection, with the request it answered."""

    request_id: str
    model: str
    decision_id: str  # the decision that opened the request
    approver: str
    role: str
    verdict: str
    justification: str
    created_at: datetime
    request_status: str
    request_expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class WaiverRecord:
    """A waiver with the decision it was granted against (the newest of its model before it)."""

    id: str
    model: str
    rule: str
    justification: str
    granted_by: str
    created_at: datetime
    expires_at: datetime
    ledger_seq: int
    decision_id: str | None
    granted_role: str | None = None  # None: granted before the role was stored

    @property
    def active(self) -> bool:
        return self.expires_at > utcnow()


@dataclass(frozen=True, kw_only=True)
class StageChangeRecord:
    """One stage transition: by an allow decision (``decision_id``) or a justified rollback."""

    model: str
    from_stage: str
    to_stage: str
    decision_id: str | None
    actor: str
    justification: str | None
    ledger_seq: int
    created_at: datetime


def _node_id(session: Session, model: str) -> int:
    from govern.lineage import resolve

    return resolve(session, parse_ref(model))


def _stored(row: DecisionRow) -> StoredDecision:
    return StoredDecision(
        id=row.id,
        model=row.model_ref,
        gate=row.gate,
        target=row.target,
        outcome=row.outcome,
        tier=row.tier,
        requester=row.requester,
        bound_digest=row.bound_digest,
        document=dict(row.document),
        ledger_seq=int(row.ledger_seq),
        ledger_hash=row.ledger_hash,
        created_at=row.created_at,
    )


def get_decision(session: Session, decision_id: str) -> StoredDecision | None:
    """The decision with id ``decision_id``, or None."""
    row = session.get(DecisionRow, decision_id)
    return _stored(row) if row is not None else None


def latest_decision(
    session: Session, model: str, *, gate: str = "promote", target: str | None = None
) -> StoredDecision | None:
    """The newest ``gate`` decision on model version ``model`` (to ``target`` when given), or None.

    Raises ``not_found`` for an unknown model version.
    """
    node_id = _node_id(session, model)
    query = sa.select(DecisionRow).where(col(DecisionRow.model_node_id) == node_id, col(DecisionRow.gate) == gate)
    if target is not None:
        query = query.where(col(DecisionRow.target) == target)
    row = session.execute(
        query.order_by(col(DecisionRow.created_at).desc(), col(DecisionRow.ledger_seq).desc()).limit(1)
    ).scalar()
    return _stored(row) if row is not None else None


def history(
    session: Session,
    *,
    model: str | None = None,
    gate: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[StoredDecision]:
    """Decisions in ledger order: of one model version, of one gate, made in [``since``, ``until``).

    Raises ``not_found`` for an unknown model version.
    """
    query = sa.select(DecisionRow)
    if model is not None:
        query = query.where(col(DecisionRow.model_node_id) == _node_id(session, model))
    if gate is not None:
        query = query.where(col(DecisionRow.gate) == gate)
    if since is not None:
        query = query.where(col(DecisionRow.created_at) >= since)
    if until is not None:
        query = query.where(col(DecisionRow.created_at) < until)
    return [_stored(r) for r in session.execute(query.order_by(col(DecisionRow.ledger_seq))).scalars()]


def last_decision_seq(session: Session) -> int:
    """The ledger sequence number of the newest decision (0 when there is none)."""
    return int(session.execute(sa.select(sa.func.max(col(DecisionRow.ledger_seq)))).scalar() or 0)


def votes(
    session: Session, *, model: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[VoteRecord]:
    """Votes, oldest first: on requests of one model version, cast in [``since``, ``until``)."""
    query = sa.select(ApprovalVoteRow, ApprovalRequestRow).join(
        ApprovalRequestRow, col(ApprovalRequestRow.id) == col(ApprovalVoteRow.request_id)
    )
    if model is not None:
        query = query.where(col(ApprovalRequestRow.model_node_id) == _node_id(session, model))
    if since is not None:
        query = query.where(col(ApprovalVoteRow.created_at) >= since)
    if until is not None:
        query = query.where(col(ApprovalVoteRow.created_at) < until)
    now = utcnow()
    out = []
    for vote, request in session.execute(
        query.order_by(col(ApprovalVoteRow.created_at), col(ApprovalVoteRow.id))
    ).all():
        status = "expired" if request.status == "open" and request.expires_at <= now else request.status
        out.append(
            VoteRecord(
                request_id=request.id,
                model=request.model_ref,
                decision_id=request.decision_id,
                approver=vote.approver,
                role=vote.role,
                verdict=vote.verdict,
                justification=vote.justification,
                created_at=vote.created_at,
                request_status=status,
                request_expires_at=request.expires_at,
            )
        )
    return out


def waivers(
    session: Session, *, model: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[WaiverRecord]:
    """Waivers, oldest first: of one model version, granted in [``since``, ``until``)."""
    query = sa.select(WaiverRow)
    if model is not None:
        query = query.where(col(WaiverRow.model_node_id) == _node_id(session, model))
    if since is not None:
        query = query.where(col(WaiverRow.created_at) >= since)
    if until is not None:
        query = query.where(col(WaiverRow.created_at) < until)
    out = []
    for w in session.execute(query.order_by(col(WaiverRow.created_at), col(WaiverRow.ledger_seq))).scalars():
        against = session.execute(
            sa.select(col(DecisionRow.id))
            .where(col(DecisionRow.model_node_id) == w.model_node_id, col(DecisionRow.ledger_seq) < w.ledger_seq)
            .order_by(col(DecisionRow.ledger_seq).desc())
            .limit(1)
        ).scalar()
        out.append(
            WaiverRecord(
                id=w.id,
                model=w.model_ref,
                rule=w.rule,
                justification=w.justification,
                granted_by=w.granted_by,
                created_at=w.created_at,
                expires_at=w.expires_at,
                ledger_seq=int(w.ledger_seq),
                decision_id=against,
                granted_role=w.granted_role,
            )
        )
    return out


def stage_changes(
    session: Session, *, model: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[StageChangeRecord]:
    """Stage transitions in ledger order: of one model version, made in [``since``, ``until``)."""
    query = sa.select(StageChangeRow)
    if model is not None:
        query = query.where(col(StageChangeRow.model_node_id) == _node_id(session, model))
    if since is not None:
        query = query.where(col(StageChangeRow.created_at) >= since)
    if until is not None:
        query = query.where(col(StageChangeRow.created_at) < until)
    return [
        StageChangeRecord(
            model=c.model_ref,
            from_stage=c.from_stage,
            to_stage=c.to_stage,
            decision_id=c.decision_id,
            actor=c.actor,
            justification=c.justification,
            ledger_seq=int(c.ledger_seq),
            created_at=c.created_at,
        )
        for c in session.execute(query.order_by(col(StageChangeRow.ledger_seq))).scalars()
    ]


def expired_requests(session: Session, since: datetime, until: datetime) -> list[ApprovalView]:
    """Approval requests that expired unanswered with an expiry in [``since``, ``until``)."""
    now = utcnow()
    rows = (
        session.execute(
            sa.select(ApprovalRequestRow)
            .where(
                col(ApprovalRequestRow.expires_at) >= since,
                col(ApprovalRequestRow.expires_at) < until,
                sa.or_(
                    col(ApprovalRequestRow.status) == "expired",
                    sa.and_(col(ApprovalRequestRow.status) == "open", col(ApprovalRequestRow.expires_at) <= now),
                ),
            )
            .order_by(col(ApprovalRequestRow.expires_at))
        )
        .scalars()
        .all()
    )
    return [_view(r, _votes(session, r.id)) for r in rows]
