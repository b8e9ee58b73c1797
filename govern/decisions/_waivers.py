"""Waivers (a risk officer's time-boxed exception for one rule) and justified rollbacks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col

from govern.core import GovernError, PermissionDenied, isoformat, parse_ref, utcnow

from ._approvals import void_all
from ._codes import (
    INVALID_STAGE,
    JUSTIFICATION_REQUIRED,
    PROMOTION_REQUIRES_GATE,
    ROLE_NOT_ALLOWED,
    RULE_AMBIGUOUS,
    SOD_OWNER_CONFLICT,
    UNKNOWN_RULE,
    WAIVER_EXPIRY_PAST,
)
from ._context import Context, audit, single_user_marker
from ._gate import change_stage
from ._inputs import model_state
from ._tables import WaiverRow
from ._targets import release
from ._types import STAGES

if TYPE_CHECKING:
    from govern.identity import Principal

WAIVER_ROLES = ("risk_officer", "admin")
_ORDER = {"none": 0, "staging": 1, "production": 2}


@dataclass(frozen=True, kw_only=True)
class WaiverView:
    id: str
    model: str
    rule: str
    justification: str
    granted_by: str
    created_at: datetime
    expires_at: datetime
    granted_role: str | None = None  # None: granted before the role was stored

    @property
    def active(self) -> bool:
        return self.expires_at > utcnow()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "rule": self.rule,
            "justification": self.justification,
            "granted_by": self.granted_by,
            "granted_role": self.granted_role,
            "created_at": isoformat(self.created_at),
            "expires_at": isoformat(self.expires_at),
            "active": self.active,
        }


def _qualify(ctx: Context, rule: str) -> str:
    """``pack/rule-id`` for ``rule`` (a bare rule id is accepted when it is unique)."""
    ids = {r.qualified_id for r in ctx.packs.rules}
    if rule in ids:
        return rule
    matches = sorted(q for q in ids if q.split("/", 1)[1] == rule)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise GovernError(RULE_AMBIGUOUS, f"rule {rule!r} is in several packs: {', '.join(matches)}")
    raise GovernError(UNKNOWN_RULE, f"no loaded policy has a rule {rule!r}")


def waive(
    ctx: Context, ref: str, rule: str, principal: Principal, *, justification: str, expires: datetime
) -> WaiverView:
    """Waive one failing rule for one model version until ``expires``.

    Only ``risk_officer`` (or ``admin``) may; the model's owner may not waive their own model.
    Raises ``role_not_allowed``, ``sod_owner_conflict``, ``justification_required``,
    ``waiver_expiry_past``, ``unknown_rule``.
    """
    if principal.role not in WAIVER_ROLES:
        raise PermissionDenied(ROLE_NOT_ALLOWED, f"only {' or '.join(WAIVER_ROLES)} may waive a rule")
    if not justification.strip():
        raise GovernError(JUSTIFICATION_REQUIRED, "a waiver needs a justification")
    if expires <= utcnow():
        raise GovernError(WAIVER_EXPIRY_PAST, f"the expiry {isoformat(expires)} is not in the future")
    qualified = _qualify(ctx, rule)
    with ctx.store.write() as session:
        state = model_state(session, parse_ref(ref), ctx.blob_dir)
        if principal.name == state.owner:
            raise PermissionDenied(SOD_OWNER_CONFLICT, f"{principal.name} owns {state.ref} and cannot waive its rules")
        waiver_id = "wvr_" + uuid.uuid4().hex[:20]
        entry = audit(
            session,
            principal.name,
            "waiver.granted",
            {
                "waiver": waiver_id,
                "model": state.ref,
                "rule": qualified,
                "justification": justification.strip(),
                "expires_at": isoformat(expires),
                "role": principal.role,
                **single_user_marker(principal),
            },
        )
        row = WaiverRow(
            id=waiver_id,
            model_node_id=state.node_id,
            model_ref=state.ref,
            rule=qualified,
            justification=justification.strip(),
            granted_by=principal.name,
            granted_role=principal.role,
            created_at=utcnow(),
            expires_at=expires,
            ledger_seq=entry.seq,
        )
        session.add(row)
    return _view(row)


def _view(row: WaiverRow) -> WaiverView:
    return WaiverView(
        id=row.id,
        model=row.model_ref,
        rule=row.rule,
        justification=row.justification,
        granted_by=row.granted_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        granted_role=row.granted_role,
    )


def list_waivers(ctx: Context, ref: str | None = None) -> list[WaiverView]:
    with ctx.store.read() as session:
        query = sa.select(WaiverRow).order_by(col(WaiverRow.created_at).desc())
        if ref:
            query = query.where(col(WaiverRow.model_ref) == str(parse_ref(ref)))
        return [_view(r) for r in session.execute(query).scalars()]


def rollback(ctx: Context, ref: str, stage: str, principal: Principal, *, justification: str) -> int:
    """Move a model version DOWN (production -> staging/none, anything -> archived), justified.

    Promotion never happens here: only an ``allow`` of the promotion gate moves a model up.
    Returns the ledger sequence number of the stage change.
    """
    if stage not in STAGES:
        raise GovernError(INVALID_STAGE, f"stage must be one of {', '.join(STAGES)}")
    if not justification.strip():
        raise GovernError(JUSTIFICATION_REQUIRED, "a rollback needs a justification")
    if principal.role not in ("risk_officer", "admin", "model_owner", "validator"):
        raise PermissionDenied(ROLE_NOT_ALLOWED, f"role {principal.role} cannot change stages")
    with ctx.store.write() as session:
        state = model_state(session, parse_ref(ref), ctx.blob_dir)
        if stage != "archived" and _ORDER.get(stage, 0) >= _ORDER.get(state.stage, 0):
            raise PermissionDenied(
                PROMOTION_REQUIRES_GATE,
                f"{state.ref} is in {state.stage}; moving it to {stage} needs `govern gate promote`",
            )
        seq = change_stage(
            session,
            state,
            stage,
            principal.name,
            justification=justification.strip(),
            marker=single_user_marker(principal),
        )
        release(session, ctx, state, stage, principal.name)  # the targets it no longer qualifies for
        void_all(session, state, principal.name, f"rolled back to {stage}: {justification.strip()}")
        return seq
