"""Evidence table: which content-addressed file serves which model version in which role.

The bytes live in the workspace's blob folder under their digest and are never mutated; a row
only points at them, so the same file can serve several models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import BigIntPK, JSONType, UTCDateTime


class EvidenceRecord(SQLModel, table=True):
    __tablename__ = "evidence"
    __table_args__ = (sa.Index("ix_evidence_subject_role", "subject", "role", "id"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True))
    subject: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    digest: str = Field(sa_column=sa.Column(sa.String(80), nullable=False))
    filename: str = Field(sa_column=sa.Column(sa.String(512), nullable=False))
    media_type: str = Field(sa_column=sa.Column(sa.String(128), nullable=False))
    columns: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONType))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    created_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
