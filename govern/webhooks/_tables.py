"""Webhook tables: subscribers and the outbox of their deliveries.

Both live in the database so several ``govern serve`` replicas on one PostgreSQL share them: each
outbox row is written in the transaction of its ledger entry and delivered by one replica.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import BigIntPK, JSONType, UTCDateTime


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
