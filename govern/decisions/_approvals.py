"""Approval requests and votes, with separation of duties and binding to what was reviewed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import ConflictError, GovernError, NotFoundError, PermissionDenied, isoformat, parse_ref, utcnow

from ._codes import (
    APPROVAL_CLOSED,
    APPROVAL_DUPLICATE,
    APPROVAL_EXPIRED,
    APPROVAL_VOID,
    JUSTIFICATION_REQUIRED,
    NOT_FOUND,
    ROLE_NOT_ALLOWED,
    SOD_AUTHOR_CONFLICT,
    SOD_OWNER_CONFLICT,
    SOD_REQUESTER_CONFLICT,
)
from ._context import Context, audit, single_user_marker
from ._inputs import bound_digest, model_state, upstream_authors
from ._tables import ApprovalRequestRow, ApprovalVoteRow

if TYPE_CHECKING:
    from govern.identity import Principal

    from ._inputs import ModelState
    from ._types import Finding

Verdict = Literal["approve", "reject"]


@dataclass(frozen=True)
class Vote:
    approver: str
    role: str
    verdict: str
    justification: str
    time: datetime


@dataclass(frozen=True, kw_only=True)
class ApprovalView:
    """An approval request as a reviewer sees it."""

    id: str
    model: str
    target: str
    tier: str
    status: str
    requester: str
    created_at: datetime
    expires_at: datetime
    required: dict[str, Any]
    reasons: list[dict[str, Any]]
    votes: list[Vote]
    decision_id: str
    bound_digest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "target": self.target,
            "tier": self.tier,
            "status": self.status,
            "requester": self.requester,
            "created_at": isoformat(self.created_at),
            "expires_at": isoformat(self.expires_at),
            "required": self.required,
            "reasons": self.reasons,
            "decision": self.decision_id,
            "bound_digest": self.bound_digest,
            "votes": [
                {
                    "approver": v.approver,
                    "role": v.role,
                    "verdict": v.verdict,
                    "justification": v.justification,
                    "time": isoformat(v.time),
                }
                for v in self.votes
            ],
        }


def _requirement_dict(requirement: Any) -> dict[str, Any]:
    return {
        "roles": sorted(requirement.roles),
        "count": requirement.count,
        "at_least": dict(requirement.at_least),
        "expires_after_s": int(requirement.expires_after.total_seconds()),
    }


def _votes(session: Session, request_id: str) -> list[Vote]:
    rows = session.execute(
        sa.select(ApprovalVoteRow)
        .where(col(ApprovalVoteRow.request_id) == request_id)
        .order_by(col(ApprovalVoteRow.id))
    ).scalars()
    return [Vote(r.approver, r.role, r.verdict, r.justification, r.created_at) for r in rows]


def _satisfied(required: dict[str, Any], votes: list[Vote]) -> bool:
    approvals = {v.approver: v.role for v in votes if v.verdict == "approve" and v.role in required["roles"]}
    if len(approvals) < required["count"]:
        return False
    return all(sum(1 for r in approvals.values() if r == role) >= n for role, n in required.get("at_least", {}).items())


def _summary(required: dict[str, Any], votes: list[Vote]) -> str:
    have = len({v.approver for v in votes if v.verdict == "approve"})
    return f"{have} of {required['count']} approvals from {', '.join(required['roles'])}"


def approval_status(
    session: Session,
    state: ModelState,
    target: str,
    tier: str,
    digest: str,
    requirement: Any,
    requester: str,
    open_findings: list[Finding],
    decision_id: str,
) -> dict[str, Any]:
    """Find (or open) the request for these exact inputs and say where it stands.

    Requests for the same model and target bound to another digest become ``void``: what they
    approved is not what is being promoted now.
    """
    now = utcnow()
    current = None
    for row in void_stale(session, state, target, digest, requester):
        if row.expires_at <= now:
            row.status = "expired"
        else:
            current = row
    if current is None:
        required: dict[str, Any] = (
            _requirement_dict(requirement)
            if requirement.count
            else {"roles": ["risk_officer", "validator"], "count": 1, "at_least": {}, "expires_after_s": 30 * 86400}
        )
        current = ApprovalRequestRow(
            id="apr_" + uuid.uuid4().hex[:20],
            decision_id=decision_id,
            model_node_id=state.node_id,
            model_ref=state.ref,
            target=target,
            tier=tier,
            bound_digest=digest,
            required=required,
            reasons=[
                {"rule": f.rule, "result": f.result, "value": f.value, "require": f.require, "message": f.message}
                for f in open_findings
            ],
            status="open",
            requester=requester,
            created_at=now,
            expires_at=now + timedelta(seconds=required["expires_after_s"]),
        )
        session.add(current)
        session.flush()
        audit(
            session,
            requester,
            "approval.requested",
            {
                "request": current.id,
                "model": state.ref,
                "target": target,
                "tier": tier,
                "bound_digest": digest,
                "required": required,
            },
        )
    votes = _votes(session, current.id)
    status = current.status
    if any(v.verdict == "reject" for v in votes):
        status = "rejected"
    elif _satisfied(current.required, votes):
        status = "approved"
    return {
        "request": current.id,
        "status": status,
        "required": current.required,
        "approvers": [v.approver for v in votes if v.verdict == "approve"],
        "summary": _summary(current.required, votes),
    }


def void_all(session: Session, state: ModelState, actor: str, reason: str) -> int:
    """Void every live request of ``state`` (any target), ledgered: after a rollback, promoting
    the version again needs a fresh sign-off. Returns how many were voided."""
    rows = session.execute(
        sa.select(ApprovalRequestRow).where(
            col(ApprovalRequestRow.model_node_id) == state.node_id,
            col(ApprovalRequestRow.status).in_(("open", "approved")),
        )
    ).scalars()
    voided = 0
    for row in rows:
        row.status = "void"
        audit(session, actor, "approval.voided", {"request": row.id, "model": state.ref, "reason": reason})
        voided += 1
    return voided


def void_stale(session: Session, state: ModelState, target: str, digest: str, actor: str) -> list[ApprovalRequestRow]:
    """Void the live requests for ``state``/``target`` bound to another digest (ledgered);
    return the live ones bound to ``digest``."""
    rows = (
        session.execute(
            sa.select(ApprovalRequestRow).where(
                col(ApprovalRequestRow.model_node_id) == state.node_id,
                col(ApprovalRequestRow.target) == target,
                col(ApprovalRequestRow.status).in_(("open", "approved")),
            )
        )
        .scalars()
        .all()
    )
    live = []
    for row in rows:
        if row.bound_digest == digest:
            live.append(row)
            continue
        row.status = "void"
        audit(
            session,
            actor,
            "approval.voided",
            {"request": row.id, "model": state.ref, "reason": "model, evidence or policy changed"},
        )
    return live


def vote(ctx: Context, request_id: str, principal: Principal, verdict: Verdict, justification: str) -> ApprovalView:
    """Approve or reject a request as ``principal``.

    Refuses (``PermissionDenied``) the model's owner (``sod_owner_conflict``), an author of an
    upstream training run (``sod_author_conflict``), the requester (``sod_requester_conflict``) and
    roles the request does not accept (``role_not_allowed``); a second vote by the same person is
    ``approval_duplicate`` (409); a request whose model, evidence or packs changed is voided
    (``approval_void``); an expired one is ``approval_expired``.
    """
    if not justification or not justification.strip():
        raise GovernError(JUSTIFICATION_REQUIRED, "a justification is required")
    # Checks read only; the write transaction below re-reads the row under the lock.
    with ctx.store.read() as session:
        row = session.get(ApprovalRequestRow, request_id)
        if row is None:
            raise NotFoundError(NOT_FOUND, f"no approval request {request_id}")
        if row.status not in ("open", "approved"):
            raise ConflictError(APPROVAL_CLOSED, f"approval request {request_id} is {row.status}")
        state = model_state(session, parse_ref(row.model_ref), ctx.blob_dir)
        stale = bound_digest(state, ctx.packs.digests) != row.bound_digest
        expired = row.expires_at <= utcnow()
        requester, required = row.requester, dict(row.required)
    if stale or expired:
        with ctx.store.write() as session:
            row = session.get(ApprovalRequestRow, request_id)
            assert row is not None
            row.status = "void" if stale else "expired"
            if stale:
                audit(
                    session,
                    principal.name,
                    "approval.voided",
                    {"request": request_id, "model": row.model_ref, "reason": "model, evidence or policy changed"},
                )
        if stale:
            raise ConflictError(
                APPROVAL_VOID,
                "the model, its evidence or the policy packs changed since this request was opened; run the gate again",
            )
        raise ConflictError(APPROVAL_EXPIRED, f"approval request {request_id} has expired")
    if principal.name == state.owner:
        raise PermissionDenied(SOD_OWNER_CONFLICT, f"{principal.name} owns {state.ref} and cannot review it")
    if principal.name in upstream_authors(state.facts):
        raise PermissionDenied(SOD_AUTHOR_CONFLICT, f"{principal.name} authored a training run of {state.ref}")
    if principal.name == requester:
        raise PermissionDenied(SOD_REQUESTER_CONFLICT, f"{principal.name} requested this promotion")
    if principal.role not in required["roles"]:
        raise PermissionDenied(
            ROLE_NOT_ALLOWED,
            f"role {principal.role} cannot review this request (needs one of {', '.join(required['roles'])})",
        )
    with ctx.store.write() as session:
        row = session.get(ApprovalRequestRow, request_id, with_for_update=True)
        assert row is not None
        if row.status not in ("open", "approved") or row.bound_digest != bound_digest(state, ctx.packs.digests):
            # Decided, voided or re-bound by someone else since the checks above.
            raise ConflictError(APPROVAL_CLOSED, f"approval request {request_id} is {row.status}")
        if session.execute(
            sa.select(col(ApprovalVoteRow.id)).where(
                col(ApprovalVoteRow.request_id) == request_id, col(ApprovalVoteRow.approver) == principal.name
            )
        ).first():
            raise ConflictError(
                APPROVAL_DUPLICATE, f"{principal.name} has already voted on {request_id}; one person counts once"
            )
        kind = "approval.granted" if verdict == "approve" else "approval.rejected"
        entry = audit(
            session,
            principal.name,
            kind,
            {
                "request": request_id,
                "model": row.model_ref,
                "target": row.target,
                "role": principal.role,
                "bound_digest": row.bound_digest,
                "justification": justification.strip(),
                **single_user_marker(principal),
            },
        )
        session.add(
            ApprovalVoteRow(
                request_id=request_id,
                approver=principal.name,
                role=principal.role,
                verdict=verdict,
                justification=justification.strip(),
                ledger_seq=entry.seq,
                created_at=utcnow(),
            )
        )
        session.flush()
        votes = _votes(session, request_id)
        if verdict == "reject":
            row.status = "rejected"
        elif _satisfied(row.required, votes):
            row.status = "approved"
        session.flush()
        return _view(row, votes)


def _view(row: ApprovalRequestRow, votes: list[Vote]) -> ApprovalView:
    status = row.status
    if status == "open" and row.expires_at <= utcnow():
        status = "expired"
    return ApprovalView(
        id=row.id,
        model=row.model_ref,
        target=row.target,
        tier=row.tier,
        status=status,
        requester=row.requester,
        created_at=row.created_at,
        expires_at=row.expires_at,
        required=row.required,
        reasons=row.reasons,
        votes=votes,
        decision_id=row.decision_id,
        bound_digest=row.bound_digest,
    )


def get_request(ctx: Context, request_id: str) -> ApprovalView:
    with ctx.store.read() as session:
        row = session.get(ApprovalRequestRow, request_id)
        if row is None:
            raise NotFoundError(NOT_FOUND, f"no approval request {request_id}")
        return _view(row, _votes(session, request_id))


def list_requests(
    ctx: Context, *, status: str | None = "open", model: str | None = None, tier: str | None = None
) -> list[ApprovalView]:
    """Requests, newest first; ``status=None`` for all."""
    with ctx.store.read() as session:
        query = sa.select(ApprovalRequestRow).order_by(col(ApprovalRequestRow.created_at).desc())
        if status:
            query = query.where(col(ApprovalRequestRow.status) == status)
        if tier:
            query = query.where(col(ApprovalRequestRow.tier) == tier)
        if model:
            query = query.where(col(ApprovalRequestRow.model_ref).like(f"{model}%"))
        rows = session.execute(query).scalars().all()
        return [_view(r, _votes(session, r.id)) for r in rows if status != "open" or r.expires_at > utcnow()]
