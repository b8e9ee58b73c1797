"""Principals: named people or systems with one role, authenticated by hashed bearer tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import UTCDateTime


class TokenRow(SQLModel, table=True):
    """A bearer token. Only its SHA-256 is stored; the token is shown once at creation."""

    __tablename__ = "token"

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.String(256), nullable=False, index=True))
    role: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
