"""Record lineage entities. Every ingestion path (SDK, OpenLineage, manifests, MLflow) ends here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, NotFoundError, Ref
from govern.store import table_of

from ._codes import INVALID_REF, MODEL_EXISTS, NOT_FOUND
from ._graph import add_edge, create_node, find_node, next_version, resolve
from ._tables import Component, Dataset, Feature, ModelVersion, Run

COMPONENT_ROLES: tuple[str, ...] = ("base_model", "prompt", "guardrails", "tools")


@dataclass(frozen=True)
class DataCard:
    """What a risk officer needs to know about a dataset version."""

    source: str | None = None
    license: str | None = None
    contains_pii: bool = False
    consent: str = ""
    deprecated: bool = False


@dataclass(kw_only=True)
class DatasetSpec:
    name: str
    version: str | None = None  # None: the next integer version
    uri: str | None = None
    digest: str | None = None
    schema: list[dict[str, Any]] | None = None
    owner: str | None = None
    card: DataCard | None = None


@dataclass
class RunSpec:
    id: str
    job: str | None = None
    inputs: list[Ref] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    code_commit: str | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    author: str | None = None
    status: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class ModelSpec:
    name: str
    version: str
    run: str | None = None
    framework: str | None = None
    artifact_digest: str | None = None
    owner: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    use_case: str | None = None
    card: dict[str, Any] | None = None
    replaces: Ref | None = None
    components: list[Ref] = field(default_factory=list)  # component:... the application is built from


def record_dataset(session: Session, spec: DatasetSpec) -> tuple[int, bool]:
    """Create (or update the facts of) a dataset version. Returns (node id, created)."""
    version = spec.version or next_version(session, "dataset", spec.name)
    node_id = find_node(session, "dataset", spec.name, version)
    created = node_id is None
    if node_id is None:
        node_id = create_node(session, "dataset", spec.name, version)
        session.add(Dataset(node_id=node_id))
        session.flush()
    row = session.get(Dataset, node_id)
    assert row is not None
    for attr in ("uri", "digest", "owner"):
        value = getattr(spec, attr)
        if value is not None:
            setattr(row, attr, value)
    if spec.schema is not None:
        row.schema_fields = spec.schema
    if spec.card is not None:
        row.has_card = True
        row.source = spec.card.source
        row.license = spec.card.license
        row.contains_pii = spec.card.contains_pii
        row.consent = spec.card.consent
        row.deprecated = spec.card.deprecated
    session.flush()
    return node_id, created


def record_feature(
    session: Session, name: str, version: str | None, derived_from: list[Ref], description: str | None = None
) -> tuple[int, bool]:
    """Create a feature version derived from datasets (or other features)."""
    version = version or next_version(session, "feature", name)
    node_id = find_node(session, "feature", name, version)
    created = node_id is None
    if node_id is None:
        node_id = create_node(session, "feature", name, version)
        session.add(Feature(node_id=node_id, description=description))
        session.flush()
    for ref in derived_from:
        add_edge(session, resolve(session, ref), node_id, "derived_from")
    return node_id, created


def record_run(session: Session, spec: RunSpec) -> tuple[int, bool]:
    """Create or update a training run; link the inputs it consumed."""
    node_id = find_node(session, "run", spec.id, None)
    created = node_id is None
    if node_id is None:
        node_id = create_node(session, "run", spec.id, None)
        session.add(Run(node_id=node_id))
        session.flush()
    row = session.get(Run, node_id)
    assert row is not None
    for attr in ("job", "code_commit", "author", "status", "started_at", "ended_at"):
        value = getattr(spec, attr)
        if value is not None:
            setattr(row, attr, value)
    if spec.params:
        row.params = {**(row.params or {}), **spec.params}
    if spec.metrics:
        row.metrics = {**(row.metrics or {}), **spec.metrics}
    if spec.environment:
        row.environment = {**(row.environment or {}), **spec.environment}
    session.flush()
    for ref in spec.inputs:
        add_edge(session, resolve(session, ref), node_id, "consumed")
    return node_id, created


def record_model(session: Session, spec: ModelSpec) -> int:
    """Create a model version produced by ``spec.run``. A version is registered once."""
    if find_node(session, "model", spec.name, spec.version) is not None:
        raise GovernError(MODEL_EXISTS, f"model {spec.name}@{spec.version} is already registered")
    run_id: int | None = None
    if spec.run is not None:
        run_id = find_node(session, "run", spec.run.removeprefix("run:"), None)
        if run_id is None:
            raise NotFoundError(NOT_FOUND, f"no run run:{spec.run.removeprefix('run:')}")
    node_id = create_node(session, "model", spec.name, spec.version)
    session.add(
        ModelVersion(
            node_id=node_id,
            framework=spec.framework,
            artifact_digest=spec.artifact_digest,
            owner=spec.owner,
            tags=dict(spec.tags),
            use_case=spec.use_case or spec.tags.get("use_case"),
            card=spec.card,
        )
    )
    session.flush()
    if run_id is not None:
        add_edge(session, run_id, node_id, "produced")
    if spec.replaces is not None:
        add_edge(session, resolve(session, spec.replaces), node_id, "replaced_by")
    for component in spec.components:
        if component.kind != "component":
            raise GovernError(INVALID_REF, f"{component} is not a component (component:<role>/<name>@<version>)")
        add_edge(session, resolve(session, component), node_id, "configures")
    return node_id


@dataclass(kw_only=True)
class ComponentSpec:
    """A component of an LLM application. ``role`` is ``base_model`` (``name`` the provider's model
    id, ``version`` its snapshot or date, ``digest`` the weights' when self-hosted), ``prompt``,
    ``guardrails`` or ``tools`` (``digest`` the file's content address)."""

    role: str
    name: str
    version: str
    provider: str | None = None
    digest: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> Ref:
        return Ref("component", f"{self.role}/{self.name}", self.version)


def record_component(session: Session, spec: ComponentSpec, *, configures: int | None = None) -> tuple[int, bool]:
    """Create a component version (once: recording it again returns the same node) and, with
    ``configures``, the edge to the model version it is part of. Returns (node id, created)."""
    if spec.role not in COMPONENT_ROLES:
        raise GovernError(INVALID_REF, f"component role must be one of {', '.join(COMPONENT_ROLES)}, not {spec.role!r}")
    ref = spec.ref
    node_id = find_node(session, "component", ref.name, ref.version)
    created = node_id is None
    if node_id is None:
        node_id = create_node(session, "component", ref.name, ref.version)
        session.add(
            Component(
                node_id=node_id,
                role=spec.role,
                provider=spec.provider,
                digest=spec.digest,
                details=dict(spec.details) or None,
            )
        )
        session.flush()
    if configures is not None:
        add_edge(session, node_id, configures, "configures")
    return node_id, created


def link_output(session: Session, run_node: int, output_node: int) -> None:
    add_edge(session, run_node, output_node, "produced")


def flag(session: Session, ref: Ref, reason: str) -> int:
    """Mark a dataset, feature or component version as flawed (deprecated, personal data, license,
    a base-model snapshot withdrawn by its provider)."""
    if ref.kind not in ("dataset", "feature", "component"):
        raise GovernError(INVALID_REF, f"only datasets, features and components can be flagged, not {ref}")
    node_id = resolve(session, ref)
    table = {"dataset": Dataset, "feature": Feature, "component": Component}[ref.kind]
    session.execute(
        sa.update(table_of(table)).where(table_of(table).c.node_id == node_id).values(flagged_reason=reason)
    )
    return node_id


def set_stage(session: Session, node_id: int, stage: str) -> None:
    """Move model version ``node_id`` to ``stage`` (the decisions room ledgers the change)."""
    mv = table_of(ModelVersion)
    session.execute(sa.update(mv).where(mv.c.node_id == node_id).values(stage=stage))


def set_tier(session: Session, node_id: int, tier: str, rule: str | None) -> None:
    """Record the risk tier of model version ``node_id`` and the tiering rule that decided it."""
    mv = table_of(ModelVersion)
    session.execute(sa.update(mv).where(mv.c.node_id == node_id).values(tier=tier, tier_rule=rule))
