"""Incident tables: serious incidents (EU AI Act Art. 73), what they affect, and their reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import BigIntPK, JSONType, UTCDateTime


class IncidentRow(SQLModel, table=True):
    """One incident. ``deadline_at`` is ``aware_at`` plus the statutory days of its category."""

    __tablename__ = "incident"
    __table_args__ = (sa.Index("ix_incident_status", "status", "deadline_at"),)

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    title: str = Field(sa_column=sa.Column(sa.String(512), nullable=False))
    description: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    category: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # open | closed
    aware_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    deadline_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    opened_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    opened_by: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    reported_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    closed_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    resolution: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    corrective_actions: list[dict[str, Any]] = Field(sa_column=sa.Column(JSONType, nullable=False))


class IncidentLinkRow(SQLModel, table=True):
    """An affected model version, dataset or feature version (a lineage node)."""

    __tablename__ = "incident_link"
    __table_args__ = (
        sa.UniqueConstraint("incident_id", "node_id", name="uq_incident_link"),
        sa.Index("ix_incident_link_node", "node_id"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True, autoincrement=True))
    incident_id: str = Field(sa_column=sa.Column(sa.String(40), sa.ForeignKey("incident.id"), nullable=False))
    node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # model | dataset | feature
    ref: str = Field(sa_column=sa.Column(sa.String(700), nullable=False))


class IncidentReportRow(SQLModel, table=True):
    """A report to the market surveillance authority, stored content-addressed in the blob store."""

    __tablename__ = "incident_report"
    __table_args__ = (sa.Index("ix_incident_report_incident", "incident_id", "submitted_at"),)

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    incident_id: str = Field(sa_column=sa.Column(sa.String(40), sa.ForeignKey("incident.id"), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # initial | follow_up | final
    digest: str = Field(sa_column=sa.Column(sa.String(80), nullable=False))
    filename: str = Field(sa_column=sa.Column(sa.String(512), nullable=False))
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    note: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    submitted_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    submitted_by: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
