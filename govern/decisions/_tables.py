"""Decision-core tables: decisions, approval requests and votes, waivers, stage history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import BigIntPK, JSONType, UTCDateTime


class DecisionRow(SQLModel, table=True):
    """One gate evaluation. ``document`` is the Decision's canonical JSON, as ledgered."""

    __tablename__ = "decision"
    __table_args__ = (sa.Index("ix_decision_model_time", "model_node_id", "created_at"),)

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    gate: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    target: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    outcome: str = Field(sa_column=sa.Column(sa.String(24), nullable=False))
    tier: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    requester: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    bound_digest: str = Field(sa_column=sa.Column(sa.String(80), nullable=False))
    document: dict[str, Any] = Field(sa_column=sa.Column(JSONType, nullable=False))
    ledger_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    ledger_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class ApprovalRequestRow(SQLModel, table=True):
    """A request for human sign-off, bound to the digest of what was reviewed."""

    __tablename__ = "approval_request"
    __table_args__ = (sa.Index("ix_approval_request_status", "status", "created_at"),)

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    # The decision that opened the request (written in the same transaction, after it).
    decision_id: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    target: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    tier: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    bound_digest: str = Field(sa_column=sa.Column(sa.String(80), nullable=False))
    required: dict[str, Any] = Field(sa_column=sa.Column(JSONType, nullable=False))
    reasons: list[dict[str, Any]] = Field(sa_column=sa.Column(JSONType, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    requester: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class ApprovalVoteRow(SQLModel, table=True):
    """One person's approval or rejection; one vote per person per request."""

    __tablename__ = "approval_vote"
    __table_args__ = (sa.UniqueConstraint("request_id", "approver", name="uq_vote_request_approver"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True))
    request_id: str = Field(sa_column=sa.Column(sa.String(40), sa.ForeignKey("approval_request.id"), nullable=False))
    approver: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    verdict: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    justification: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    ledger_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class WaiverRow(SQLModel, table=True):
    """A risk officer's exception for one failing rule of one model version, until it expires."""

    __tablename__ = "waiver"

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    rule: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    justification: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    granted_by: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    granted_role: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    ledger_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class StageChangeRow(SQLModel, table=True):
    """Every stage transition of a model version: by an allow decision, or a justified rollback."""

    __tablename__ = "stage_change"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    from_stage: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    to_stage: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    decision_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), sa.ForeignKey("decision.id")))
    actor: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    justification: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    ledger_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class TargetHolderRow(SQLModel, table=True):
    """Which version of a model holds a promotion target (``champion``, ``production``...), and since
    when; a released row (another version took the target, or a rollback) stays as history."""

    __tablename__ = "target_holder"
    __table_args__ = (sa.Index("ix_target_holder_name_target", "model_name", "target"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True))
    model_name: str = Field(sa_column=sa.Column(sa.String(512), nullable=False))
    target: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    decision_id: str = Field(sa_column=sa.Column(sa.String(40), sa.ForeignKey("decision.id"), nullable=False))
    assigned_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    ledger_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    released_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    released_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
