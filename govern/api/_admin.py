"""Routes for admins: API tokens and webhook subscribers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from govern.core import isoformat

from ._deps import Caller, requires
from ._schemas import TokenRequest, WebhookRequest

router = APIRouter()


def _token(info: Any) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "role": info.role,
        "created_at": isoformat(info.created_at),
        "expires_at": isoformat(info.expires_at) if info.expires_at else None,
        "revoked_at": isoformat(info.revoked_at) if info.revoked_at else None,
    }


@router.get("/tokens", tags=["tokens"], summary="Tokens (never their secret)")
def list_tokens(caller: Caller = requires("tokens.manage")) -> list[dict[str, Any]]:
    return [_token(i) for i in caller.ws.list_tokens()]


@router.post(
    "/tokens", status_code=201, tags=["tokens"], summary="Create a token; `token` is shown only in this response"
)
def create_token(body: TokenRequest, caller: Caller = requires("tokens.manage")) -> dict[str, Any]:
    token, info = caller.ws.create_token(body.name, body.role, expires_at=body.expires_at)
    return {**_token(info), "token": token}


@router.post("/tokens/{token_id}/revoke", tags=["tokens"], summary="Revoke a token (idempotent)")
def revoke_token(token_id: str, caller: Caller = requires("tokens.manage")) -> dict[str, Any]:
    return _token(caller.ws.revoke_token(token_id))


@router.get("/webhooks", tags=["webhooks"], summary="Webhook subscribers and their delivery counts")
def list_webhooks(caller: Caller = requires("webhooks.manage")) -> list[dict[str, Any]]:
    return [s.to_dict() for s in caller.ws.webhooks()]


@router.post(
    "/webhooks",
    status_code=201,
    tags=["webhooks"],
    summary="Subscribe a URL to decision, approval and retraining events; `secret` is shown once",
)
def create_webhook(body: WebhookRequest, caller: Caller = requires("webhooks.manage")) -> dict[str, Any]:
    sub, secret = caller.ws.subscribe_webhook(body.url, kinds=body.kinds, secret=body.secret)
    return {**sub.to_dict(), "secret": secret}


@router.post("/webhooks/{webhook_id}/revoke", tags=["webhooks"], summary="Stop delivering to a subscriber")
def revoke_webhook(webhook_id: str, caller: Caller = requires("webhooks.manage")) -> dict[str, Any]:
    return caller.ws.revoke_webhook(webhook_id).to_dict()  # type: ignore[no-any-return]
