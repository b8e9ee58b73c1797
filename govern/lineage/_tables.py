"""Lineage tables: one ``node`` per entity version, typed ``edge`` rows pointing downstream.

A uniform node table lets one recursive query walk datasets, features, runs and models alike.
Edges point in the direction data flows: dataset -> run (consumed), run -> model/dataset
(produced), dataset -> feature (derived), old model -> new model (replaced_by).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import BigIntPK, JSONType, UTCDateTime


class Node(SQLModel, table=True):
    __tablename__ = "node"
    __table_args__ = (sa.Index("ix_node_kind_name", "kind", "name", "id"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntPK, primary_key=True))
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    name: str = Field(sa_column=sa.Column(sa.String(512), nullable=False))
    version: str | None = Field(default=None, sa_column=sa.Column(sa.String(128)))
    key: str = Field(sa_column=sa.Column(sa.String(700), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class Edge(SQLModel, table=True):
    __tablename__ = "edge"
    __table_args__ = (sa.Index("ix_edge_dst_src", "dst", "src"),)

    src: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    dst: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    kind: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))


class Dataset(SQLModel, table=True):
    __tablename__ = "dataset"

    node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    uri: str | None = Field(default=None, sa_column=sa.Column(sa.String(1024)))
    digest: str | None = Field(default=None, sa_column=sa.Column(sa.String(80)))
    schema_fields: list[dict[str, Any]] | None = Field(default=None, sa_column=sa.Column(JSONType))
    owner: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    has_card: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    source: str | None = Field(default=None, sa_column=sa.Column(sa.String(1024)))
    license: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    contains_pii: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    consent: str = Field(default="", sa_column=sa.Column(sa.String(256), nullable=False))
    deprecated: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    flagged_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class Feature(SQLModel, table=True):
    __tablename__ = "feature"

    node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    flagged_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class Run(SQLModel, table=True):
    __tablename__ = "run"

    node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    job: str | None = Field(default=None, sa_column=sa.Column(sa.String(512)))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONType))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONType))
    code_commit: str | None = Field(default=None, sa_column=sa.Column(sa.String(128)))
    environment: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONType))
    author: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    status: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    started_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    ended_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))


class Component(SQLModel, table=True):
    """A component of an LLM application: its base model, a prompt template, a guardrail
    configuration or a tool manifest (``role``), content-addressed by ``digest`` when it is a file."""

    __tablename__ = "component"

    node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    role: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    provider: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    digest: str | None = Field(default=None, sa_column=sa.Column(sa.String(80)))
    details: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONType))
    flagged_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class ModelVersion(SQLModel, table=True):
    __tablename__ = "model_version"

    node_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("node.id"), primary_key=True))
    framework: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    artifact_digest: str | None = Field(default=None, sa_column=sa.Column(sa.String(80)))
    owner: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    tags: dict[str, str] = Field(default_factory=dict, sa_column=sa.Column(JSONType))
    use_case: str | None = Field(default=None, sa_column=sa.Column(sa.String(128)))
    stage: str = Field(default="none", sa_column=sa.Column(sa.String(32), nullable=False))
    tier: str | None = Field(default=None, sa_column=sa.Column(sa.String(16)))
    tier_rule: str | None = Field(default=None, sa_column=sa.Column(sa.String(256)))
    card: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONType))


class IngestedEvent(SQLModel, table=True):
    """Digest of every ingested OpenLineage event or manifest entry: the same one twice is a no-op."""

    __tablename__ = "ingested_event"

    digest: str = Field(sa_column=sa.Column(sa.String(80), primary_key=True))
    source: str = Field(sa_column=sa.Column(sa.String(1024), nullable=False))
    ingested_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
