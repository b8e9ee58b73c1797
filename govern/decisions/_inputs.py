"""What a decision is about: the model's facts, its evidence, and the digest that binds them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govern.core import Ref, json_digest
from govern.store import ModelVersion, Node, table_of

node_t, mv_t = table_of(Node), table_of(ModelVersion)


@dataclass(frozen=True, kw_only=True)
class ModelState:
    node_id: int
    ref: str
    name: str
    version: str
    owner: str
    stage: str
    artifact_digest: str | None
    facts: dict[str, Any]  # {"model": ..., "lineage": ...} per the policy contract
    evidence: dict[str, str]  # "role" -> digest of the newest evidence of that role


def model_state(session: Session, ref: Ref, blob_dir: Path) -> ModelState:
    """Read everything about a model version that a gate or an approval depends on."""
    from govern.evidence import evidence_for
    from govern.lineage import model_facts, resolve

    node_id = resolve(session, ref)
    node = session.execute(sa.select(node_t).where(node_t.c.id == node_id)).mappings().one()
    exact = Ref("model", node["name"], node["version"])
    facts = model_facts(session, exact)
    mv = session.get(ModelVersion, node_id)
    assert mv is not None
    evidence: dict[str, str] = {}
    for item in evidence_for(session, blob_dir, str(exact)).items:
        evidence[item.role] = item.digest or ""
    return ModelState(
        node_id=node_id,
        ref=str(exact),
        name=node["name"],
        version=node["version"],
        owner=mv.owner or "",
        stage=mv.stage,
        artifact_digest=mv.artifact_digest,
        facts=facts,
        evidence=evidence,
    )


def bound_digest(state: ModelState, pack_digests: dict[str, str]) -> str:
    """Digest of what a reviewer saw: model identity and artifact, card, evidence, policy packs.

    Any change to one of them makes approvals bound to the old digest void.
    """
    return json_digest(
        {
            "model": state.ref,
            "artifact": state.artifact_digest or "",
            "card": json_digest(state.facts["model"].get("card") or {}),
            "owner": state.owner,
            "evidence": dict(sorted(state.evidence.items())),
            "packs": dict(sorted(pack_digests.items())),
        }
    )


def champion_ref(session: Session, name: str, exclude_node: int) -> str | None:
    """The version of ``name`` currently in production (the champion), if another one is."""
    row = session.execute(
        sa.select(node_t.c.name, node_t.c.version)
        .join(mv_t, mv_t.c.node_id == node_t.c.id)
        .where(
            node_t.c.kind == "model", node_t.c.name == name, mv_t.c.stage == "production", node_t.c.id != exclude_node
        )
        .order_by(node_t.c.id.desc())
    ).first()
    return f"{row[0]}@{row[1]}" if row else None


def upstream_authors(facts: dict[str, Any]) -> set[str]:
    return {r["author"] for r in facts["lineage"]["runs"] if r.get("author")}
