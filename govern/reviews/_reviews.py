"""Validation findings and periodic reviews (SR 11-7 / OCC 2011-12), each change ledgered in its transaction.

A **finding** is what a validator found wrong with a model version: a severity, the person who
remediates it (its owner) and a due date. It moves ``open`` -> ``remediated`` (the owner says
what was done) -> ``closed`` (a validator, risk officer or admin who does not own the model
accepts it). While a ``high`` finding is not closed it holds the promotion of its model version
(:func:`blocking`).

A **review** is the periodic re-validation of a model version; the next one is due after the
interval of the version's risk tier (:data:`REVIEW_INTERVAL_DAYS`: at least annually for high
risk, SR 11-7 section VI). :func:`review_status` says when the next review is due and whether it is
overdue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import sqlalchemy as sa

from govern.core import ConflictError, GovernError, NotFoundError, PermissionDenied, isoformat, parse_ref, utcnow
from govern.store import table_of

from ._codes import (
    FINDING_CLOSED,
    FINDING_INVALID,
    FINDING_NOT_FOUND,
    REVIEW_INVALID,
    ROLE_NOT_ALLOWED,
    SOD_OWNER_CONFLICT,
)
from ._tables import FindingRow, ReviewRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.identity import Principal
    from govern.store import Store

finding_t = table_of(FindingRow)
review_t = table_of(ReviewRow)

Severity = Literal["high", "medium", "low"]
SEVERITIES: Final[tuple[Severity, ...]] = ("high", "medium", "low")
ReviewOutcome = Literal["satisfactory", "needs_remediation", "unsatisfactory"]
REVIEW_OUTCOMES: Final[tuple[ReviewOutcome, ...]] = ("satisfactory", "needs_remediation", "unsatisfactory")

REVIEW_INTERVAL_DAYS: Final[dict[str, int]] = {"prohibited": 365, "high": 365, "limited": 730, "minimal": 1095}
"""Days from one periodic review (or the registration) to the next, by risk tier."""

VALIDATOR_ROLES: Final = ("validator", "risk_officer", "admin")


class ReviewContext(Protocol):
    """What the write functions need: the store (``decisions.Context`` fits)."""

    @property
    def store(self) -> Store: ...


@dataclass(frozen=True, kw_only=True)
class Finding:
    id: str
    model: str
    title: str
    description: str
    severity: str
    owner: str
    due_at: datetime
    status: str
    opened_at: datetime
    opened_by: str
    remediation: str | None
    remediated_at: datetime | None
    closure: str | None
    closed_at: datetime | None
    closed_by: str | None

    def overdue(self, now: datetime | None = None) -> bool:
        """Not closed and past its due date."""
        return self.status != "closed" and (now or utcnow()) > self.due_at

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return isoformat(value) if value else None

        return {
            "id": self.id,
            "model": self.model,
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "owner": self.owner,
            "due_at": isoformat(self.due_at),
            "overdue": self.overdue(now),
            "status": self.status,
            "opened_at": isoformat(self.opened_at),
            "opened_by": self.opened_by,
            "remediation": self.remediation,
            "remediated_at": when(self.remediated_at),
            "closure": self.closure,
            "closed_at": when(self.closed_at),
            "closed_by": self.closed_by,
        }


@dataclass(frozen=True, kw_only=True)
class ReviewStatus:
    """Where a model version stands in its review cycle."""

    model: str
    tier: str
    last_reviewed_at: datetime | None
    last_outcome: str | None
    reviewer: str | None
    next_due_at: datetime
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tier": self.tier,
            "last_reviewed_at": isoformat(self.last_reviewed_at) if self.last_reviewed_at else None,
            "last_outcome": self.last_outcome,
            "reviewer": self.reviewer,
            "next_due_at": isoformat(self.next_due_at),
            "overdue": self.overdue,
        }


# -- writes ---------------------------------------------------------------------------------------


def open_finding(
    ctx: ReviewContext,
    principal: Principal,
    model: str,
    *,
    title: str,
    severity: str,
    owner: str,
    due_at: datetime,
    description: str = "",
) -> Finding:
    """Record a validation finding on model version ``model``; ledgers ``finding.opened``.

    Only a validator, risk officer or admin records findings. Raises ``role_not_allowed``,
    ``finding_invalid`` (empty title or owner, unknown severity, a due date in the past) and
    lineage's ``not_found``/``invalid_ref``.
    """
    _require(principal, VALIDATOR_ROLES, "record a validation finding")
    if severity not in SEVERITIES:
        raise GovernError(FINDING_INVALID, f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    if not title.strip() or not owner.strip():
        raise GovernError(FINDING_INVALID, "a finding needs a title and an owner who remediates it")
    now = utcnow()
    if due_at <= now:
        raise GovernError(FINDING_INVALID, f"the due date {isoformat(due_at)} is not in the future")
    finding_id = "fnd_" + uuid.uuid4().hex[:20]
    with ctx.store.write() as session:
        record = _model(session, model)
        session.execute(
            sa.insert(finding_t).values(
                id=finding_id,
                model_node_id=record.node_id,
                model_ref=record.ref,
                title=title.strip(),
                description=description.strip(),
                severity=severity,
                owner=owner.strip(),
                due_at=due_at,
                status="open",
                opened_at=now,
                opened_by=principal.name,
            )
        )
        _ledger(
            session,
            principal,
            "finding.opened",
            {
                "finding": finding_id,
                "model": record.ref,
                "title": title.strip(),
                "severity": severity,
                "owner": owner.strip(),
                "due_at": isoformat(due_at),
            },
        )
        return _load(session, finding_id)


def remediate_finding(ctx: ReviewContext, principal: Principal, finding_id: str, *, remediation: str) -> Finding:
    """The finding's owner (or an admin) records what was done; ledgers ``finding.remediated``."""
    if not remediation.strip():
        raise GovernError(FINDING_INVALID, "say what was done to remediate the finding")
    with ctx.store.write() as session:
        finding = _open(session, finding_id)
        if principal.name != finding.owner and principal.role != "admin":
            raise PermissionDenied(
                ROLE_NOT_ALLOWED, f"only {finding.owner} (the finding's owner) or an admin remediates it"
            )
        now = utcnow()
        session.execute(
            sa.update(finding_t)
            .where(finding_t.c.id == finding_id)
            .values(
                status="remediated", remediation=remediation.strip(), remediated_at=now, remediated_by=principal.name
            )
        )
        _ledger(session, principal, "finding.remediated", {"finding": finding_id, "remediation": remediation.strip()})
        return _load(session, finding_id)


def close_finding(ctx: ReviewContext, principal: Principal, finding_id: str, *, closure: str) -> Finding:
    """Accept the finding's remediation (or its risk) and close it; ledgers ``finding.closed``.

    A validator, risk officer or admin who does not own the model version closes it (an
    independent review, SR 11-7 section V). Raises ``role_not_allowed``, ``sod_owner_conflict``,
    ``finding_not_found``, ``finding_closed``, ``finding_invalid``.
    """
    _require(principal, VALIDATOR_ROLES, "close a validation finding")
    if not closure.strip():
        raise GovernError(FINDING_INVALID, "closing a finding needs the reason it is accepted")
    with ctx.store.write() as session:
        finding = _open(session, finding_id)
        if _model(session, finding.model).owner == principal.name:
            raise PermissionDenied(
                SOD_OWNER_CONFLICT, f"{principal.name} owns {finding.model}; its findings are closed by someone else"
            )
        session.execute(
            sa.update(finding_t)
            .where(finding_t.c.id == finding_id)
            .values(status="closed", closure=closure.strip(), closed_at=utcnow(), closed_by=principal.name)
        )
        _ledger(
            session,
            principal,
            "finding.closed",
            {"finding": finding_id, "model": finding.model, "closure": closure.strip()},
        )
        return _load(session, finding_id)


def record_review(
    ctx: ReviewContext, principal: Principal, model: str, *, outcome: str, note: str = ""
) -> ReviewStatus:
    """Record a periodic review of ``model``; the next is due after its tier's interval.

    Only a validator, risk officer or admin who does not own the model reviews it. Ledgers
    ``review.recorded``. Raises ``role_not_allowed``, ``sod_owner_conflict``, ``review_invalid``.
    """
    _require(principal, VALIDATOR_ROLES, "record a periodic review")
    if outcome not in REVIEW_OUTCOMES:
        raise GovernError(REVIEW_INVALID, f"outcome must be one of {', '.join(REVIEW_OUTCOMES)}, not {outcome!r}")
    now = utcnow()
    with ctx.store.write() as session:
        record = _model(session, model)
        if record.owner == principal.name:
            raise PermissionDenied(SOD_OWNER_CONFLICT, f"{principal.name} owns {record.ref}; someone else reviews it")
        due = now + timedelta(days=_interval(record.tier))
        session.execute(
            sa.insert(review_t).values(
                id="rev_" + uuid.uuid4().hex[:20],
                model_node_id=record.node_id,
                model_ref=record.ref,
                outcome=outcome,
                note=note.strip(),
                reviewer=principal.name,
                reviewed_at=now,
                next_due_at=due,
            )
        )
        _ledger(
            session,
            principal,
            "review.recorded",
            {"model": record.ref, "outcome": outcome, "tier": record.tier, "next_due_at": isoformat(due)},
        )
        return review_status(session, record.ref, now=now)


# -- reads ----------------------------------------------------------------------------------------


def get_finding(session: Session, finding_id: str) -> Finding:
    """One finding; raises ``finding_not_found``."""
    return _load(session, finding_id)


def list_findings(session: Session, *, model: str | None = None, status: str | None = None) -> list[Finding]:
    """Findings, oldest first; of one model version and/or one status (``open`` means not closed)."""
    query = sa.select(finding_t).order_by(finding_t.c.opened_at, finding_t.c.id)
    if model is not None:
        query = query.where(finding_t.c.model_node_id == _model(session, model).node_id)
    if status == "open":
        query = query.where(finding_t.c.status != "closed")
    elif status is not None:
        query = query.where(finding_t.c.status == status)
    return [_finding(row) for row in session.execute(query).mappings()]


def blocking(session: Session, model_ref: str) -> list[Finding]:
    """What holds the promotion of ``model_ref``: its high-severity findings that are not closed."""
    return [f for f in list_findings(session, model=model_ref, status="open") if f.severity == "high"]


def review_status(session: Session, model_ref: str, *, now: datetime | None = None) -> ReviewStatus:
    """When ``model_ref`` is next due for review: its last review's due date, or, never reviewed,
    its registration plus its tier's interval."""
    record = _model(session, model_ref)
    last = (
        session.execute(
            sa.select(review_t)
            .where(review_t.c.model_node_id == record.node_id)
            .order_by(review_t.c.reviewed_at.desc(), review_t.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if last is not None:
        due = last["next_due_at"]
    else:
        due = record.registered_at + timedelta(days=_interval(record.tier))
    at = now or utcnow()
    return ReviewStatus(
        model=record.ref,
        tier=record.tier,
        last_reviewed_at=last["reviewed_at"] if last else None,
        last_outcome=last["outcome"] if last else None,
        reviewer=last["reviewer"] if last else None,
        next_due_at=due,
        overdue=at > due,
    )


INVENTORY_COLUMNS: Final = (
    "model",
    "tier",
    "stage",
    "owner",
    "use_case",
    "last_reviewed_at",
    "last_outcome",
    "reviewer",
    "next_review_due",
    "review_overdue",
    "open_findings_high",
    "open_findings_medium",
    "open_findings_low",
    "overdue_findings",
)


def inventory(session: Session, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The model inventory (SR 11-7 section VI): one row per registered model version, newest
    first, with its tier, stage, owner, use, review status and open findings (:data:`INVENTORY_COLUMNS`)."""
    from govern.lineage import list_models

    at = now or utcnow()
    rows = []
    for model in list_models(session):
        status = review_status(session, model["model"], now=at)
        open_ = list_findings(session, model=model["model"], status="open")
        rows.append(
            {
                "model": model["model"],
                "tier": status.tier,
                "stage": model["stage"],
                "owner": model["owner"],
                "use_case": model.get("use_case") or "",
                "last_reviewed_at": isoformat(status.last_reviewed_at) if status.last_reviewed_at else "",
                "last_outcome": status.last_outcome or "",
                "reviewer": status.reviewer or "",
                "next_review_due": isoformat(status.next_due_at),
                "review_overdue": status.overdue,
                **{f"open_findings_{s}": sum(f.severity == s for f in open_) for s in SEVERITIES},
                "overdue_findings": sum(f.overdue(at) for f in open_),
            }
        )
    return rows


# -- helpers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    node_id: int
    ref: str
    owner: str
    tier: str
    registered_at: datetime


def _model(session: Session, text: str) -> _Model:
    from govern.lineage import model_record

    ref = parse_ref(text)
    if ref.kind != "model" or ref.version is None:
        raise GovernError(FINDING_INVALID, f"findings and reviews are on a model version NAME@VERSION, not {text!r}")
    rec = model_record(session, ref)
    return _Model(rec.node_id, rec.ref, rec.owner, rec.tier or "minimal", rec.registered_at)


def _interval(tier: str) -> int:
    return REVIEW_INTERVAL_DAYS.get(tier, REVIEW_INTERVAL_DAYS["high"])


def _finding(row: Any) -> Finding:
    return Finding(
        id=row["id"],
        model=row["model_ref"],
        title=row["title"],
        description=row["description"],
        severity=row["severity"],
        owner=row["owner"],
        due_at=row["due_at"],
        status=row["status"],
        opened_at=row["opened_at"],
        opened_by=row["opened_by"],
        remediation=row["remediation"],
        remediated_at=row["remediated_at"],
        closure=row["closure"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
    )


def _load(session: Session, finding_id: str) -> Finding:
    row = session.execute(sa.select(finding_t).where(finding_t.c.id == finding_id)).mappings().first()
    if row is None:
        raise NotFoundError(FINDING_NOT_FOUND, f"no validation finding {finding_id!r}")
    return _finding(row)


def _open(session: Session, finding_id: str) -> Finding:
    finding = _load(session, finding_id)
    if finding.status == "closed":
        raise ConflictError(FINDING_CLOSED, f"finding {finding_id} is closed")
    return finding


def _require(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    if principal.role not in roles:
        raise PermissionDenied(ROLE_NOT_ALLOWED, f"only {', '.join(roles)} may {what}")


def _ledger(session: Session, principal: Principal, kind: str, payload: dict[str, Any]) -> None:
    """The room's ledger entry, in the change's transaction (single-user mode marked, as decisions does)."""
    from govern.ledger import record

    if getattr(principal, "single_user", False):
        payload = {**payload, "single_user": True}
    record(session, actor=principal.name, kind=kind, payload={**payload, "role": principal.role})
