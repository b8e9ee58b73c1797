"""Graph queries by recursive SQL: upstream, downstream, impact, and the facts policies read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, Ref, isoformat
from govern.store import table_of

from ._codes import INVALID_REF
from ._graph import edge_t, node_t, resolve
from ._tables import Component, Dataset, Feature, ModelVersion, Run

Direction = Literal["upstream", "downstream"]
ds_t, ft_t, run_t, mv_t = table_of(Dataset), table_of(Feature), table_of(Run), table_of(ModelVersion)
comp_t = table_of(Component)


@dataclass(frozen=True)
class NodeView:
    """A lineage node with the attributes a reader needs."""

    id: int
    kind: str
    name: str
    version: str | None
    ref: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Subgraph:
    root: int
    direction: Direction
    nodes: dict[int, NodeView]
    edges: list[tuple[int, int, str]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.nodes[self.root].ref,
            "direction": self.direction,
            "nodes": [
                {"ref": n.ref, "kind": n.kind, "name": n.name, "version": n.version, **n.attrs}
                for n in sorted(self.nodes.values(), key=lambda n: n.ref)
            ],
            "edges": [
                {"from": self.nodes[s].ref, "to": self.nodes[d].ref, "kind": k} for s, d, k in sorted(self.edges)
            ],
        }


@dataclass(frozen=True)
class ImpactedModel:
    ref: str
    stage: str
    tier: str | None
    owner: str | None
    distance: int


def _walk(start: int, direction: Direction, depth: int | None) -> sa.CTE:
    """Recursive CTE of node ids reachable from ``start`` (including it)."""
    near, far = (edge_t.c.dst, edge_t.c.src) if direction == "upstream" else (edge_t.c.src, edge_t.c.dst)
    if depth is None:
        walk = sa.select(sa.literal(start, sa.BigInteger).label("id")).cte("walk", recursive=True)
        return walk.union(sa.select(far).join(walk, near == walk.c.id))
    walk = sa.select(sa.literal(start, sa.BigInteger).label("id"), sa.literal(0).label("depth")).cte(
        "walk", recursive=True
    )
    return walk.union(sa.select(far, walk.c.depth + 1).join(walk, near == walk.c.id).where(walk.c.depth < depth))


def subgraph(session: Session, ref: Ref, direction: Direction, *, depth: int | None = None) -> Subgraph:
    """Everything upstream (or downstream) of ``ref``, with the edges among it."""
    root = resolve(session, ref)
    walk = _walk(root, direction, depth)
    ids = sa.select(walk.c.id).distinct()
    edges = session.execute(
        sa.select(edge_t.c.src, edge_t.c.dst, edge_t.c.kind).where(edge_t.c.src.in_(ids), edge_t.c.dst.in_(ids))
    ).all()
    node_ids = {root} | {s for s, _, _ in edges} | {d for _, d, _ in edges}
    return Subgraph(root, direction, load_nodes(session, node_ids), [(s, d, k) for s, d, k in edges])


def load_nodes(session: Session, ids: set[int]) -> dict[int, NodeView]:
    """NodeViews with per-kind attributes for ``ids``."""
    if not ids:
        return {}
    query = (
        sa.select(
            node_t.c.id,
            node_t.c.kind,
            node_t.c.name,
            node_t.c.version,
            node_t.c.key,
            ds_t.c.license,
            ds_t.c.contains_pii,
            ds_t.c.consent,
            ds_t.c.deprecated,
            ds_t.c.has_card,
            ds_t.c.source,
            sa.func.coalesce(ds_t.c.flagged_reason, ft_t.c.flagged_reason, comp_t.c.flagged_reason).label("flagged"),
            comp_t.c.role,
            comp_t.c.provider,
            comp_t.c.digest.label("component_digest"),
            run_t.c.author,
            run_t.c.code_commit,
            mv_t.c.stage,
            mv_t.c.tier,
            mv_t.c.owner,
        )
        .outerjoin(ds_t, ds_t.c.node_id == node_t.c.id)
        .outerjoin(ft_t, ft_t.c.node_id == node_t.c.id)
        .outerjoin(run_t, run_t.c.node_id == node_t.c.id)
        .outerjoin(mv_t, mv_t.c.node_id == node_t.c.id)
        .outerjoin(comp_t, comp_t.c.node_id == node_t.c.id)
        .where(node_t.c.id.in_(sorted(ids)))
    )
    out: dict[int, NodeView] = {}
    for r in session.execute(query).mappings():
        attrs: dict[str, Any]
        if r["kind"] == "dataset":
            attrs = {
                "license": r["license"],
                "contains_pii": bool(r["contains_pii"]),
                "consent": r["consent"] or "",
                "deprecated": bool(r["deprecated"]),
                "has_card": bool(r["has_card"]),
                "source": r["source"],
                "flagged": r["flagged"],
            }
        elif r["kind"] == "feature":
            attrs = {"flagged": r["flagged"]}
        elif r["kind"] == "run":
            attrs = {"author": r["author"], "code_commit": r["code_commit"]}
        elif r["kind"] == "component":
            attrs = {
                "role": r["role"],
                "provider": r["provider"],
                "digest": r["component_digest"],
                "flagged": r["flagged"],
            }
        else:
            attrs = {"stage": r["stage"], "tier": r["tier"], "owner": r["owner"]}
        out[r["id"]] = NodeView(r["id"], r["kind"], r["name"], r["version"], r["key"], attrs)
    return out


def impact(session: Session, ref: Ref) -> list[ImpactedModel]:
    """Every model version downstream of a dataset, feature or component version (or a run), with its stage.

    A ref without a version means every version of that dataset or feature.
    """
    if ref.kind == "model":
        raise GovernError(INVALID_REF, "impact takes a dataset, feature, component or run, not a model")
    if ref.version is None and ref.kind != "run":
        starts = list(
            session.execute(
                sa.select(node_t.c.id).where(node_t.c.kind == ref.kind, node_t.c.name == ref.name)
            ).scalars()
        )
        if not starts:
            resolve(session, ref)  # raises not_found
    else:
        starts = [resolve(session, ref)]
    found: dict[int, int] = {}
    for start in starts:
        walk = _walk(start, "downstream", 64)
        rows = session.execute(
            sa.select(walk.c.id, sa.func.min(walk.c.depth))
            .join(node_t, node_t.c.id == walk.c.id)
            .where(node_t.c.kind == "model")
            .group_by(walk.c.id)
        ).all()
        for node_id, dist in rows:
            found[node_id] = min(dist, found.get(node_id, dist))
    views = load_nodes(session, set(found))
    return sorted(
        (
            ImpactedModel(v.ref, v.attrs["stage"], v.attrs["tier"], v.attrs["owner"], found[v.id])
            for v in views.values()
        ),
        key=lambda m: m.ref,
    )


def model_facts(session: Session, ref: Ref) -> dict[str, Any]:
    """The ``model`` and ``lineage`` facts a policy sees for a model version (see CONTRACT)."""
    if ref.kind != "model":
        raise GovernError(INVALID_REF, f"{ref} is not a model version")
    node_id = resolve(session, ref)
    node = session.execute(sa.select(node_t).where(node_t.c.id == node_id)).mappings().one()
    mv = session.get(ModelVersion, node_id)
    assert mv is not None
    graph = subgraph(session, Ref("model", node["name"], node["version"]), "upstream")
    datasets: list[dict[str, Any]] = []
    features: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    for view in sorted(graph.nodes.values(), key=lambda v: v.ref):
        a = view.attrs
        if view.kind == "dataset":
            datasets.append(
                {
                    "name": view.name,
                    "version": view.version or "",
                    "source": a["source"] or "",
                    "license": a["license"] or "",
                    "contains_pii": a["contains_pii"],
                    "consent": a["consent"],
                    "deprecated": a["deprecated"],
                    "flagged": a["flagged"] is not None,
                    "has_card": a["has_card"],
                }
            )
        elif view.kind == "feature":
            features.append({"name": view.name, "version": view.version or "", "flagged": a["flagged"] is not None})
        elif view.kind == "run":
            runs.append({"id": view.name, "author": a["author"] or "", "code_commit": a["code_commit"] or ""})
    model = {
        "name": node["name"],
        "version": node["version"],
        "tier": mv.tier or "",
        "tags": dict(mv.tags or {}),
        "owner": mv.owner or "",
        "stage": mv.stage,
        "use_case": mv.use_case or "",
        "framework": mv.framework or "",
        "card": dict(mv.card or {}),
    }
    return {"model": model, "lineage": {"datasets": datasets, "features": features, "runs": runs}}


def list_models(
    session: Session, *, owner: str | None = None, stage: str | None = None, name: str | None = None
) -> list[dict[str, Any]]:
    """Registered model versions (ref, owner, stage, tier, use case, tags), newest first."""
    mv = mv_t
    query = (
        sa.select(
            node_t.c.name,
            node_t.c.version,
            mv.c.owner,
            mv.c.stage,
            mv.c.tier,
            mv.c.use_case,
            mv.c.tags,
            node_t.c.created_at,
        )
        .join(mv, mv.c.node_id == node_t.c.id)
        .order_by(node_t.c.id.desc())
    )
    if owner is not None:
        query = query.where(mv.c.owner == owner)
    if stage is not None:
        query = query.where(mv.c.stage == stage)
    if name is not None:
        query = query.where(node_t.c.name == name)
    return [
        {
            "model": f"{r.name}@{r.version}",
            "owner": r.owner or "",
            "stage": r.stage,
            "tier": r.tier or "",
            "use_case": r.use_case or "",
            "tags": dict(r.tags or {}),
            "registered_at": isoformat(r.created_at),
        }
        for r in session.execute(query)
    ]


@dataclass(frozen=True, kw_only=True)
class ModelRecord:
    """One registered model version as other rooms read it (the gate, approvals)."""

    node_id: int
    name: str
    version: str
    owner: str
    stage: str
    tier: str
    artifact_digest: str | None
    registered_at: datetime  # when the version's lineage node was created

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


def model_record(session: Session, ref: Ref) -> ModelRecord:
    """The model version ``ref`` names (latest when unversioned). Raises ``not_found``, ``invalid_ref``."""
    if ref.kind != "model":
        raise GovernError(INVALID_REF, f"{ref} is not a model version")
    node_id = resolve(session, ref)
    row = (
        session.execute(
            sa.select(
                node_t.c.name,
                node_t.c.version,
                node_t.c.created_at,
                mv_t.c.owner,
                mv_t.c.stage,
                mv_t.c.tier,
                mv_t.c.artifact_digest,
            )
            .join(mv_t, mv_t.c.node_id == node_t.c.id)
            .where(node_t.c.id == node_id)
        )
        .mappings()
        .one()
    )
    return ModelRecord(
        node_id=node_id,
        name=row["name"],
        version=row["version"],
        owner=row["owner"] or "",
        stage=row["stage"],
        tier=row["tier"] or "",
        artifact_digest=row["artifact_digest"],
        registered_at=row["created_at"],
    )


def champion(session: Session, name: str, *, exclude_node: int) -> str | None:
    """The version of model ``name`` currently in production (the champion), other than ``exclude_node``."""
    row = session.execute(
        sa.select(node_t.c.name, node_t.c.version)
        .join(mv_t, mv_t.c.node_id == node_t.c.id)
        .where(
            node_t.c.kind == "model", node_t.c.name == name, mv_t.c.stage == "production", node_t.c.id != exclude_node
        )
        .order_by(node_t.c.id.desc())
    ).first()
    return f"{row[0]}@{row[1]}" if row else None
