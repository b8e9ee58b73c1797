"""Review tables: validation findings tracked to remediation, and periodic reviews (SR 11-7)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import UTCDateTime


class FindingRow(SQLModel, table=True):
    """A validation finding on one model version: open -> remediated -> closed (or closed directly)."""

    __tablename__ = "validation_finding"
    __table_args__ = (sa.Index("ix_validation_finding_model", "model_node_id", "status"),)

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.String(512), nullable=False))
    description: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    severity: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # high | medium | low
    owner: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))  # who remediates
    due_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # open | remediated | closed
    opened_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    opened_by: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    remediation: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    remediated_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    remediated_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    closure: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    closed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    closed_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))


class ReviewRow(SQLModel, table=True):
    """One periodic review of a model version, and when the next one is due."""

    __tablename__ = "model_review"
    __table_args__ = (sa.Index("ix_model_review_model", "model_node_id", "reviewed_at"),)

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    model_node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    model_ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))
    outcome: str = Field(sa_column=sa.Column(sa.String(24), nullable=False))
    note: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    reviewer: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    reviewed_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    next_due_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
