"""Per-request dependencies: who is calling (authenticated, authorized) and as whom to act."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from govern.identity import Principal

from ._auth import Action, authorize, bearer, token_hash

_scheme = HTTPBearer(auto_error=False, description="A token from `govern token create`")


@dataclass(frozen=True)
class Caller:
    """The authenticated principal and a Workspace acting as them (shares store and packs)."""

    principal: Principal
    ws: Any
    token_hash: str

    @property
    def name(self) -> str:
        return self.principal.name


def authenticate_request(request: Request, authorization: str | None) -> tuple[Principal, str]:
    """The principal behind an ``Authorization`` header; ``AuthenticationError`` (401) otherwise."""
    from govern.identity import authenticate

    token = bearer(authorization)
    with request.app.state.workspace.store.read() as session:
        return authenticate(session, token), token_hash(token)


def requires(action: Action) -> Any:
    """A dependency that authenticates the bearer token and checks ``action`` in the role matrix."""

    def dependency(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_scheme)) -> Caller:
        header = f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization")
        principal, hashed = authenticate_request(request, header)
        authorize(principal, action)
        ws = copy.copy(request.app.state.workspace)  # shallow: same store, same compiled packs
        ws.actor = principal.name
        return Caller(principal, ws, hashed)

    dependency.__name__ = f"requires_{action.replace('.', '_')}"
    return Depends(dependency)
