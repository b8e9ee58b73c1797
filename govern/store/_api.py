"""API tables: idempotency records, rate-limit windows, webhook subscribers and their outbox.

All of them live in the database (not in a process) so several ``govern serve`` replicas on one
PostgreSQL share them: a retried POST sent to another replica still finds its first response, a
token's rate limit counts across replicas, and each outbox row is delivered by one replica.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ._types import BigIntPK, JSONType, UTCDateTime


class ApiIdempotencyRow(SQLModel, table=True):
    """The first response to a POST carrying ``Idempotency-Key``, per token and key.

    ``status`` is NULL while the first request is still running (a concurrent retry is refused).
    """

    __tablename__ = "api_idempotency"

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.String(256), primary_key=True))
    fingerprint: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    status: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    content_type: str | None = Field(default=None, sa_column=sa.Column(sa.String(128)))
    body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))


class ApiRateRow(SQLModel, table=True):
    """Approval actions one token made in one minute (fixed window)."""

    __tablename__ = "api_rate"

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    window: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    count: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


class WebhookRow(SQLModel, table=True):
    """A subscriber: events of ``kinds`` are POSTed to ``url``, signed with ``secret``.

    The secret is stored as given: the server needs it to sign (HMAC is symmetric).
    """

    __tablename__ = "webhook"

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    url: str = Field(sa_column=sa.Column(sa.String(2048), nullable=False))
    secret: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    kinds: list[str] = Field(sa_column=sa.Column(JSONType, nullable=False))
    created_by: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))


class WebhookDeliveryRow(SQLModel, table=True):
    """The outbox: one row per subscriber per ledger event, written in the event's transaction."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("webhook_id", "event_seq", name="uq_webhook_delivery_event"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True, autoincrement=True))
    webhook_id: str = Field(sa_column=sa.Column(sa.String(40), sa.ForeignKey("webhook.id"), nullable=False))
    event_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # pending | delivered | dead
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    next_attempt_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    delivered_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.String(512)))
