"""Model registration: record the version, compute its tier, ledger both; and store its evidence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import Ref

from ._context import Context, audit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.evidence import ColumnMapping, Evidence


def register_model(ctx: Context, spec: Any, actor: str) -> dict[str, Any]:
    """Register ``spec`` (a ``govern.lineage.ModelSpec``); the tier is computed by the packs'
    tiering from the model's facts and recorded with the rule that decided it."""
    from govern.lineage import model_facts, record_model, set_tier

    with ctx.store.write() as session:
        node_id = record_model(session, spec)
        facts = {**model_facts(session, Ref("model", spec.name, spec.version)), "target": "none"}
        tier = ctx.packs.tier(facts)
        set_tier(session, node_id, tier.tier, tier.rule_id)
        entry = audit(
            session,
            actor,
            "model.registered",
            {
                "model": f"{spec.name}@{spec.version}",
                "run": spec.run,
                "owner": spec.owner,
                "artifact_digest": spec.artifact_digest,
                "tags": dict(spec.tags),
                "tier": tier.tier,
                "tier_rule": tier.rule_id,
                "card_digest": None if spec.card is None else _digest(spec.card),
            },
        )
    return {
        "model": f"{spec.name}@{spec.version}",
        "tier": tier.tier,
        "tier_rule": tier.rule_id,
        "ledger_seq": entry.seq,
    }


def add_evidence(
    session: Session,
    blob_dir: Path | str,
    subject: str,
    role: str,
    path: Path | str,
    *,
    mapping: ColumnMapping | None = None,
    created_by: str,
) -> Evidence:
    """:func:`govern.evidence.add_evidence` with datasets and partials files read by
    ``govern.stats`` (``to_partials``): the door the workspace and the retrain gate store evidence
    through. The caller owns the transaction."""
    from govern.evidence import add_evidence as store
    from govern.stats import to_partials

    return store(session, blob_dir, subject, role, path, mapping=mapping, created_by=created_by, partials=to_partials)


def _digest(card: dict[str, Any]) -> str:
    from govern.core import json_digest

    return json_digest(card)
