"""Write gate results back to the MLflow model registry, for versions imported from it.

An allowed promotion to a target sets the MLflow alias of that name on the version (MLflow moves
an alias from its previous holder) and tags the version with the decision id, its ledger seq and
hash; a deny or a pending approval sets none; a rollback removes the aliases the version no
longer holds in govern. Each write-back is ledgered after the decision's own transaction
committed (``registry.synced`` or ``registry.sync_failed``): the govern decision is authoritative
and stands when MLflow cannot be written, and the failure is reported, never swallowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._client import mlflow_client, redacted
from ._import import ORIGIN_TAG

if TYPE_CHECKING:
    from govern.decisions import Decision
    from govern.store import Store

Action = Literal["alias_set", "alias_removed", "none", "failed"]


@dataclass(frozen=True)
class SyncResult:
    """What the write-back did for one model version."""

    model: str
    action: Action
    aliases: tuple[str, ...] = ()
    detail: str = ""

    def line(self) -> str:
        what = {
            "alias_set": f"set alias {', '.join(self.aliases)} on",
            "alias_removed": f"removed alias {', '.join(self.aliases)} from",
            "none": "no alias set on",
            "failed": f"FAILED to write alias {', '.join(self.aliases)} for",
        }[self.action]
        return f"mlflow: {what} {self.model}" + (f" ({self.detail})" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "action": self.action,
            "aliases": list(self.aliases),
            "detail": self.detail,
            "line": self.line(),
        }


def _from_mlflow(store: Store, ref: str) -> bool:
    from govern.lineage import list_models

    name = ref.rsplit("@", 1)[0]
    with store.read() as session:
        return any(m["model"] == ref and m["tags"].get(ORIGIN_TAG) == "mlflow" for m in list_models(session, name=name))


def sync_promotion(store: Store, uri: str, decision: Decision, actor: str) -> SyncResult | None:
    """Mirror a promotion decision of an MLflow-imported version; None when there is nothing to mirror."""
    if decision.gate != "promote" or not decision.target or not _from_mlflow(store, decision.model):
        return None
    if decision.outcome != "allow":
        return SyncResult(decision.model, "none", (), f"decision {decision.id} is {decision.outcome}")
    name, version = decision.model.rsplit("@", 1)
    target = decision.target
    tags = {
        "govern.decision": decision.id,
        "govern.target": target,
        "govern.ledger_seq": str(decision.ledger_seq),
        "govern.ledger_hash": str(decision.ledger_hash),
    }

    def write(client: Any) -> None:
        client.set_registered_model_alias(name, target, version)
        for key, value in tags.items():
            client.set_model_version_tag(name, version, key, value)

    return _sync(store, uri, actor, decision.model, (target,), "alias_set", write, {"decision": decision.id})


def sync_rollback(
    store: Store, uri: str, ref: str, released: list[str], to_stage: str, actor: str
) -> SyncResult | None:
    """Remove the aliases ``released`` by a rollback of ``ref`` where MLflow still points them at it."""
    if not released or not _from_mlflow(store, ref):
        return None
    name, version = ref.rsplit("@", 1)

    def write(client: Any) -> None:
        current = _aliases(client.get_registered_model(name))
        for alias in released:
            if current.get(alias) == version:
                client.delete_registered_model_alias(name, alias)
        client.set_model_version_tag(name, version, "govern.stage", to_stage)

    return _sync(store, uri, actor, ref, tuple(released), "alias_removed", write, {"to": to_stage})


def _aliases(model: Any) -> dict[str, str]:
    raw = model.aliases or {}
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {str(a.alias): str(a.version) for a in raw}


def _sync(
    store: Store,
    uri: str,
    actor: str,
    ref: str,
    aliases: tuple[str, ...],
    action: Action,
    write: Callable[[Any], None],
    extra: dict[str, Any],
) -> SyncResult:
    from govern.ledger import append_committed

    payload = {"model": ref, "aliases": list(aliases), "action": action, "mlflow": redacted(uri), **extra}
    try:
        with mlflow_client(uri) as client:
            write(client)
    except Exception as exc:  # noqa: BLE001 - any MLflow failure is reported and ledgered, not raised
        detail = f"{type(exc).__name__}: {exc}"[:500]
        append_committed(store, actor=actor, kind="registry.sync_failed", payload={**payload, "error": detail})
        return SyncResult(ref, "failed", aliases, detail)
    append_committed(store, actor=actor, kind="registry.synced", payload=payload)
    return SyncResult(ref, action, aliases)
