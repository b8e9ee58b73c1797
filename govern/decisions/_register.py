"""Model registration: record the version, compute its tier, ledger both."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from govern.core import Ref
from govern.store import ModelVersion, table_of

from ._context import Context, audit


def register_model(ctx: Context, spec: Any, actor: str) -> dict[str, Any]:
    """Register ``spec`` (a ``govern.lineage.ModelSpec``); the tier is computed by the packs'
    tiering from the model's facts and recorded with the rule that decided it."""
    from govern.lineage import model_facts, record_model

    with ctx.store.write() as session:
        node_id = record_model(session, spec)
        facts = {**model_facts(session, Ref("model", spec.name, spec.version)), "target": "none"}
        tier = ctx.packs.tier(facts)
        session.execute(
            sa.update(table_of(ModelVersion))
            .where(table_of(ModelVersion).c.node_id == node_id)
            .values(tier=tier.tier, tier_rule=tier.rule_id)
        )
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


def _digest(card: dict[str, Any]) -> str:
    from govern.core import json_digest

    return json_digest(card)
