"""Low-level graph writes and reads on the node/edge tables, shared by every ingestion path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import GovernError, NotFoundError, Ref, utcnow
from govern.store import table_of

from ._codes import LINEAGE_CYCLE, NOT_FOUND
from ._tables import Edge, Node

EdgeKind = Literal["consumed", "produced", "derived_from", "replaced_by", "configures"]
node_t = table_of(Node)
edge_t = table_of(Edge)


def node_key(kind: str, name: str, version: str | None) -> str:
    """The unique text key of a node: its canonical reference."""
    return str(Ref(kind, name, version))  # type: ignore[arg-type]


def find_node(session: Session, kind: str, name: str, version: str | None) -> int | None:
    row = session.execute(sa.select(node_t.c.id).where(node_t.c.key == node_key(kind, name, version))).first()
    return row[0] if row else None


def create_node(session: Session, kind: str, name: str, version: str | None) -> int:
    result = session.execute(
        sa.insert(node_t)
        .values(
            kind=kind,
            name=name,
            version=version,
            key=node_key(kind, name, version),
            created_at=utcnow(),
        )
        .returning(node_t.c.id)
    )
    _count(session, "nodes")
    return int(result.scalar_one())


def latest_version(
    session: Session, kind: str, name: str, *, exclude: Iterable[int] = ()
) -> tuple[int, str | None] | None:
    """(node id, version) of the newest version of ``name``, skipping ``exclude`` ids."""
    query = (
        sa.select(node_t.c.id, node_t.c.version)
        .where(node_t.c.kind == kind, node_t.c.name == name)
        .order_by(node_t.c.id.desc())
    )
    excluded = set(exclude)
    for node_id, version in session.execute(query):
        if node_id not in excluded:
            return node_id, version
    return None


def next_version(session: Session, kind: str, name: str) -> str:
    """The next integer version of ``name`` ("1" for a new name)."""
    versions = session.execute(
        sa.select(node_t.c.version).where(node_t.c.kind == kind, node_t.c.name == name)
    ).scalars()
    numbers = [int(v) for v in versions if v is not None and v.isdigit()]
    return str(max(numbers, default=0) + 1)


def resolve(session: Session, ref: Ref) -> int:
    """Node id for ``ref`` (latest version when it names none). Raises ``not_found``."""
    if ref.version is None:
        found = latest_version(session, ref.kind, ref.name)
        node_id = found[0] if found else None
    else:
        node_id = find_node(session, ref.kind, ref.name, ref.version)
    if node_id is None:
        raise NotFoundError(NOT_FOUND, f"no {ref.kind} {ref}")
    return node_id


def add_edge(session: Session, src: int, dst: int, kind: EdgeKind) -> bool:
    """Insert an edge unless present; returns True when it is new."""
    exists = session.execute(
        sa.select(edge_t.c.src).where(edge_t.c.src == src, edge_t.c.dst == dst, edge_t.c.kind == kind)
    ).first()
    if exists:
        return False
    session.execute(sa.insert(edge_t).values(src=src, dst=dst, kind=kind))
    _count(session, "edges")
    return True


def _count(session: Session, what: str) -> None:
    """Count creations in the session, so every ingestion path reports them the same way."""
    counts = session.info.setdefault("govern_counts", {"nodes": 0, "edges": 0})
    counts[what] += 1


def counts(session: Session) -> dict[str, int]:
    """Nodes and edges created in this session so far."""
    return dict(session.info.get("govern_counts", {"nodes": 0, "edges": 0}))


def reaches(session: Session, start: int, target: int) -> bool:
    """True when ``target`` is downstream of ``start`` (used to refuse cycles)."""
    down = sa.select(sa.literal(start, sa.BigInteger).label("id")).cte("down", recursive=True)
    down = down.union(sa.select(edge_t.c.dst).join(down, edge_t.c.src == down.c.id))
    row = session.execute(sa.select(down.c.id).where(down.c.id == target).limit(1)).first()
    return row is not None


def check_acyclic(session: Session, new_edges: Iterable[tuple[int, int]], where: str) -> None:
    """Raise ``lineage_cycle`` if any new edge (src, dst) closes a cycle."""
    for src, dst in new_edges:
        if src == dst or reaches(session, dst, src):
            raise GovernError(LINEAGE_CYCLE, f"{where}: edge would create a cycle in the lineage graph")


def bulk_load(
    session: Session,
    nodes: list[tuple[str, str, str | None]],
    edges: list[tuple[int, int, EdgeKind]],
    *,
    actor: str,
    batch: int = 20_000,
) -> list[int]:
    """Insert many new nodes and edges fast (backfills, benchmarks, MLflow-scale imports), and
    ledger one ``lineage.ingested`` by ``actor`` for the load in the caller's transaction.

    ``nodes`` are (kind, name, version) that must not exist yet; ``edges`` use indexes into
    ``nodes``. Ids are assigned in one block under a table lock, so a concurrent writer cannot
    interleave. Returns the new node ids, in order. Per-kind detail rows are created with
    defaults (no data card, stage ``none``). Cycles are not checked: callers load DAGs.
    """
    from govern.store import table_of

    from ._tables import Dataset, Feature, ModelVersion, Run

    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE node IN EXCLUSIVE MODE"))
    start = (session.execute(sa.select(sa.func.max(node_t.c.id))).scalar() or 0) + 1
    ids = list(range(start, start + len(nodes)))
    now = utcnow()
    detail = {"dataset": Dataset, "feature": Feature, "run": Run, "model": ModelVersion}
    defaults: dict[str, dict[str, object]] = {
        "dataset": {"has_card": False, "contains_pii": False, "consent": "", "deprecated": False},
        "feature": {},
        "run": {"params": {}, "metrics": {}, "environment": {}},
        "model": {"stage": "none", "tags": {}},
    }
    for lo in range(0, len(nodes), batch):
        chunk = list(zip(ids[lo : lo + batch], nodes[lo : lo + batch], strict=True))
        session.execute(
            sa.insert(node_t),
            [
                {"id": i, "kind": k, "name": n, "version": v, "key": node_key(k, n, v), "created_at": now}
                for i, (k, n, v) in chunk
            ],
        )
        for kind, table in detail.items():
            rows = [{"node_id": i, **defaults[kind]} for i, (k, _, _) in chunk if k == kind]
            if rows:
                session.execute(sa.insert(table_of(table)), rows)
    for lo in range(0, len(edges), batch):
        session.execute(
            sa.insert(edge_t),
            [{"src": ids[s], "dst": ids[d], "kind": k} for s, d, k in edges[lo : lo + batch]],
        )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT setval(pg_get_serial_sequence('node', 'id'), (SELECT max(id) FROM node))"))
    from govern.ledger import record

    record(
        session, actor=actor, kind="lineage.ingested", payload={"bulk": True, "nodes": len(ids), "edges": len(edges)}
    )
    return ids
