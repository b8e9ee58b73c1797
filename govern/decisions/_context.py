"""What every decision function needs: the store, the blob folder and the compiled packs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import GovernError, PromotionTarget

from ._codes import LEDGER_WRITE_FAILED

if TYPE_CHECKING:
    from govern.policy import PackSet
    from govern.store import Store


def _default_targets() -> dict[str, PromotionTarget]:
    return {"staging": "staging", "production": "production"}


@dataclass(frozen=True)
class Context:
    store: Store
    blob_dir: Path
    packs: PackSet
    targets: Mapping[str, PromotionTarget] = field(default_factory=_default_targets)
    """Promotion targets by name -> the stage whose rules and approvals apply (settings)."""


def single_user_marker(principal: Any) -> dict[str, Any]:
    """``{"single_user": true}`` for a principal named in single-user mode (not authenticated by a
    token), else nothing: the ledger entry of what it did says how it was identified."""
    return {"single_user": True} if getattr(principal, "single_user", False) else {}


def audit(session: Any, actor: str, kind: str, payload: dict[str, Any], *, key: str | None = None) -> Any:
    """Append a decisions-room ledger entry in ``session``'s transaction and queue it for webhook
    subscribers (decision events are the ones pushed); any failure fails the caller (fail closed)."""
    from govern.ledger import record
    from govern.webhooks import enqueue

    entry = record(session, actor=actor, kind=kind, payload=payload, idempotency_key=key)
    try:
        enqueue(session, entry)  # the webhook outbox row commits with the entry, or neither does
    except GovernError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed write must stop the state change
        raise GovernError(LEDGER_WRITE_FAILED, f"the audit ledger could not be written: {exc}") from None
    return entry
