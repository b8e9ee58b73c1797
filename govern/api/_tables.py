"""API tables: idempotency records and rate-limit windows.

Both live in the database (not in a process) so several ``govern serve`` replicas on one
PostgreSQL share them: a retried POST sent to another replica still finds its first response, a
token's rate limit counts across replicas.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import UTCDateTime


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
