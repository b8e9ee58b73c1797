"""Web inbox table: server-side browser sessions.

Only the SHA-256 of the random session id is stored (the id itself lives in the browser's
HttpOnly cookie), so a copy of the database cannot be replayed as a signed-in browser.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import JSONType, UTCDateTime


class WebSessionRow(SQLModel, table=True):
    """One signed-in browser: who, through which token, its CSRF token and a pending flash."""

    __tablename__ = "web_session"

    id_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    principal: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    # The token signed in with: revoking or expiring it ends the session too.
    token_id: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    csrf: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    flash: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONType))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
