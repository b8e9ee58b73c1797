"""The closed list of ledger event kinds. Other rooms append only these; docs list each one."""

from __future__ import annotations

from typing import Literal

EventKind = Literal[
    "lineage.ingested",
    "lineage.flagged",
    "model.registered",
    "evidence.added",
    "policy.loaded",
    "gate.decided",
    "approval.requested",
    "approval.granted",
    "approval.rejected",
    "approval.voided",
    "waiver.granted",
    "stage.changed",
    "target.assigned",
    "target.released",
    "registry.synced",
    "registry.sync_failed",
    "retrain.decided",
    "checkpoint.signed",
    "checkpoint.witnessed",
    "witness.added",
    "witness.removed",
    "key.rotated",
    "token.created",
    "token.revoked",
    "webhook.subscribed",
    "webhook.revoked",
    "incident.opened",
    "incident.updated",
    "incident.reported",
    "incident.closed",
    "evidence.collected",
    "finding.opened",
    "finding.remediated",
    "finding.closed",
    "review.recorded",
]

EVENT_KINDS: frozenset[str] = frozenset(EventKind.__args__)  # type: ignore[attr-defined]
"""Every kind :func:`govern.ledger.append` accepts; anything else is ``ledger_kind_unknown``."""
