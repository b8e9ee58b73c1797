"""Authentication (bearer tokens) and authorization: the role matrix, in one place.

Every route declares one *action*; :data:`ROLE_MATRIX` says which roles may perform it. Object-level
rules come on top: a ``model_owner`` sees and acts only on models it owns (others' are 404, as if
they did not exist), and decisions enforce separation of duties (403 ``sod_*``).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from govern.core import ROLES, AuthenticationError, NotFoundError, PermissionDenied

from ._codes import MISSING_TOKEN, NOT_FOUND, ROLE_FORBIDDEN

Action = Literal[
    "models.read",
    "models.register",
    "lineage.read",
    "lineage.write",
    "evidence.add",
    "gate.promote",
    "gate.retrain",
    "approvals.read",
    "approvals.vote",
    "waivers.read",
    "waivers.grant",
    "stage.rollback",
    "ledger.read",
    "ledger.checkpoint",
    "reports.read",
    "reports.period",
    "tokens.manage",
    "webhooks.manage",
    "incidents.read",
    "incidents.open",
    "incidents.update",
    "incidents.close",
]

# ``lineage_writer`` is a machine role (an OpenLineage emitter's API key): it writes lineage and reads nothing.
_ALL: frozenset[str] = frozenset(ROLES) - {"lineage_writer"}
_REVIEWERS = frozenset({"admin", "risk_officer", "validator"})

ROLE_MATRIX: dict[str, frozenset[str]] = {
    "models.read": _ALL,
    "models.register": frozenset({"admin", "model_owner", "ci"}),
    "lineage.read": _ALL,
    "lineage.write": frozenset({"admin", "ci", "lineage_writer"}),
    "evidence.add": frozenset({"admin", "model_owner", "ci"}),
    "gate.promote": frozenset({"admin", "model_owner", "ci"}),
    "gate.retrain": frozenset({"admin", "model_owner", "ci"}),
    "approvals.read": _ALL,
    # Decisions then require a role the request accepts (``role_not_allowed``). A model_owner is let
    # through so that voting on its own model is refused for the precise reason
    # (``sod_owner_conflict``); others' requests are 404 to it.
    "approvals.vote": frozenset({"risk_officer", "validator", "model_owner"}),
    "waivers.read": _ALL,
    "waivers.grant": frozenset({"admin", "risk_officer"}),
    "stage.rollback": frozenset({"admin", "risk_officer", "validator", "model_owner"}),
    "ledger.read": frozenset({"admin", "auditor", "risk_officer", "validator"}),
    "ledger.checkpoint": frozenset({"admin", "auditor"}),
    # A model report covers one model version (a model_owner gets its own); a period report covers
    # every model, so it is for reviewers and auditors only.
    "reports.read": frozenset({"admin", "auditor", "risk_officer", "validator", "model_owner"}),
    "reports.period": frozenset({"admin", "auditor", "risk_officer", "validator"}),
    "tokens.manage": frozenset({"admin"}),
    "webhooks.manage": frozenset({"admin"}),
    # Serious incidents: the owner of an affected model may open, update and report one on its own
    # models (it is the provider's obligation); closing takes a risk officer or admin.
    "incidents.read": _ALL,
    "incidents.open": frozenset({"admin", "risk_officer", "model_owner"}),
    "incidents.update": frozenset({"admin", "risk_officer", "model_owner"}),
    "incidents.close": frozenset({"admin", "risk_officer"}),
}
"""Action -> roles allowed. ``docs/api.md`` prints this table; a test checks they agree."""

# Roles limited to their own models (object-level check on every model-bearing route).
OWN_MODELS_ONLY = frozenset({"model_owner"})


def token_hash(token: str) -> str:
    """The key under which per-token API state (idempotency, rate limit) is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer ...`` header; ``missing_token`` otherwise."""
    if not authorization:
        raise AuthenticationError(MISSING_TOKEN, "send Authorization: Bearer <token>")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError(MISSING_TOKEN, "send Authorization: Bearer <token>")
    return value.strip()


def authorize(principal: Any, action: str) -> None:
    """Raise ``PermissionDenied(role_forbidden)`` unless ``principal``'s role may do ``action``."""
    if principal.role not in ROLE_MATRIX[action]:
        raise PermissionDenied(ROLE_FORBIDDEN, f"role {principal.role} may not {action.replace('.', ' ')}")


def check_owner(principal: Any, owner: str | None, what: str) -> None:
    """Object-level rule: a ``model_owner`` acting on someone else's model gets 404."""
    if principal.role in OWN_MODELS_ONLY and owner != principal.name:
        raise NotFoundError(NOT_FOUND, f"no {what}")
