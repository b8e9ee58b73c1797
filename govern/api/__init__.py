"""The approval API: FastAPI app over one Workspace; every route authenticates a bearer token,
checks the role matrix and object ownership, calls one library function and returns JSON.

Importing this package does not import FastAPI; :func:`create_app` does. The web inbox lives in
``govern.api.web`` (a router exposing ``router``) and is mounted by ``create_app`` when present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _codes as codes
from ._auth import OWN_MODELS_ONLY, ROLE_MATRIX, Action, authorize, check_owner
from ._client import ApiClient, approval_view

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # the application
    "create_app",
    # authorization (shared with the web inbox)
    "ROLE_MATRIX",
    "OWN_MODELS_ONLY",
    "Action",
    "authorize",
    "check_owner",
    # the client the CLI uses when GOVERN_URL and GOVERN_TOKEN are set
    "ApiClient",
    "approval_view",
    # the approval-action rate limit (shared with the web inbox)
    "hit_rate_limit",
]


def create_app(workspace: Path | str | None = None, *, deliver_webhooks: bool = True) -> Any:
    """Build the FastAPI app; see :func:`govern.api._app.create_app`."""
    from ._app import create_app as build

    return build(workspace, deliver_webhooks=deliver_webhooks)


def hit_rate_limit(store: Any, key: str, *, limit: int, now: float | None = None) -> int:
    """Count one approval action of ``key`` this minute; see :func:`govern.api._limits.hit_rate_limit`."""
    from ._limits import hit_rate_limit as hit

    return hit(store, key, limit=limit, now=now)
