"""What a decision is about: the model's facts, its evidence, and the digest that binds them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from govern.core import Ref, json_digest


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
    from govern.lineage import model_facts, model_record

    mv = model_record(session, ref)
    exact = Ref("model", mv.name, mv.version)
    facts = model_facts(session, exact)
    evidence: dict[str, str] = {}
    for item in evidence_for(session, blob_dir, str(exact)).items:
        evidence[item.role] = item.digest or ""
    return ModelState(
        node_id=mv.node_id,
        ref=str(exact),
        name=mv.name,
        version=mv.version,
        owner=mv.owner,
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
    from govern.lineage import champion

    return champion(session, name, exclude_node=exclude_node)


def upstream_authors(facts: dict[str, Any]) -> set[str]:
    return {r["author"] for r in facts["lineage"]["runs"] if r.get("author")}
