"""Server-side browser sessions and CSRF tokens.

A session is a random 256-bit id in an HttpOnly cookie; the database keeps only its SHA-256, the
principal it stands for, the token it was opened with (revoking or expiring that token ends the
session), a per-session CSRF token and at most one pending flash message.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import col

from govern.core import utcnow
from govern.identity import Principal, token_info

from ._tables import WebSessionRow

SESSION_TTL = timedelta(hours=8)
"""A session lasts this long (or until its token expires, if sooner); sign in again afterwards."""

FlashKind = Literal["success", "error"]


@dataclass(frozen=True)
class WebSession:
    """A live session: the principal acting, the CSRF token its forms carry, when it ends."""

    id_hash: str
    principal: Principal
    csrf: str
    expires_at: datetime
    flash: dict[str, Any] | None = None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh random value for a session id or a CSRF token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing value on either side never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def start(store: Any, token: str) -> tuple[str, WebSession]:
    """Authenticate ``token`` and open a session; returns (the cookie value, the session).

    Raises ``AuthenticationError`` (``invalid_token``, ``token_revoked``, ``token_expired``).
    Expired sessions of everyone are purged here, so the table does not grow without bound.
    """
    from govern.identity import authenticate

    now = utcnow()
    session_id, csrf = new_secret(), new_secret()
    with store.write() as db:
        principal = authenticate(db, token)
        token_row = token_info(db, principal.token_id) if principal.token_id else None
        expires = now + SESSION_TTL
        if token_row is not None and token_row.expires_at is not None:
            expires = min(expires, token_row.expires_at)
        db.execute(sa.delete(WebSessionRow).where(col(WebSessionRow.expires_at) <= now))
        db.add(
            WebSessionRow(
                id_hash=_hash(session_id),
                principal=principal.name,
                role=principal.role,
                token_id=principal.token_id or "",
                csrf=csrf,
                created_at=now,
                expires_at=expires,
            )
        )
    return session_id, WebSession(_hash(session_id), principal, csrf, expires)


def load(store: Any, session_id: str | None) -> WebSession | None:
    """The live session behind a cookie value, or None (unknown, expired, or its token revoked)."""
    if not session_id or len(session_id) > 128:
        return None
    now = utcnow()
    with store.read() as db:
        row = db.get(WebSessionRow, _hash(session_id))
        if row is None or row.expires_at <= now:
            return None
        token = token_info(db, row.token_id)
        if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
            return None
        principal = Principal(row.principal, row.role, row.token_id)
        return WebSession(row.id_hash, principal, row.csrf, row.expires_at, row.flash)


def end(store: Any, session_id: str | None) -> None:
    """Delete the session behind a cookie value (signing out; idempotent)."""
    if session_id:
        with store.write() as db:
            db.execute(sa.delete(WebSessionRow).where(col(WebSessionRow.id_hash) == _hash(session_id)))


def set_flash(store: Any, session: WebSession, kind: FlashKind, text: str, *, code: str | None = None) -> None:
    """Leave one message for the next page this session sees (post/redirect/get)."""
    with store.write() as db:
        row = db.get(WebSessionRow, session.id_hash)
        if row is not None:
            row.flash = {"kind": kind, "text": text, "code": code}


def pop_flash(store: Any, session: WebSession) -> dict[str, Any] | None:
    """The pending message, removed so it shows once (no write when there is none)."""
    if session.flash is None:
        return None
    with store.write() as db:
        row = db.get(WebSessionRow, session.id_hash)
        if row is None or row.flash is None:
            return None
        flash = dict(row.flash)
        row.flash = None
        return flash
