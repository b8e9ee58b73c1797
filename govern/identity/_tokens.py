"""Bearer tokens: shown once, stored as SHA-256, revocable, optionally expiring."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import ROLES as ROLES
from govern.core import AuthenticationError, GovernError, NotFoundError, PermissionDenied, is_role, utcnow
from govern.core import Role as Role
from govern.store import table_of

from ._codes import (
    IDENTITY_MISMATCH,
    INVALID_EXPIRY,
    INVALID_NAME,
    INVALID_ROLE,
    INVALID_TOKEN,
    LOCAL_TOKEN_REQUIRED,
    NOT_FOUND,
    TOKEN_EXPIRED,
    TOKEN_REVOKED,
    UNKNOWN_PRINCIPAL,
)
from ._tables import TokenRow

_PREFIX = "gov_"
token_t = table_of(TokenRow)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a name (the separation-of-duties identity) and a role."""

    name: str
    role: Role
    token_id: str | None = None
    single_user: bool = False  # named, not authenticated: single-user mode (the ledger records it)


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_role(role: str) -> Role:
    if not is_role(role):
        raise GovernError(INVALID_ROLE, f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


def create_token(
    session: Session, *, name: str, role: str, actor: str, expires_at: datetime | None = None
) -> tuple[str, TokenInfo]:
    """Create a token for ``name`` with ``role``; returns (the token text, its record).

    The text is returned once and never stored (only its hash). ``token.created`` by ``actor`` is
    ledgered in the caller's transaction (``session`` from ``Store.write()``). Raises
    ``invalid_role``, ``invalid_name``, ``invalid_expiry``.
    """
    from govern.ledger import record

    checked = _check_role(role)
    if not name.strip() or len(name) > 256:
        raise GovernError(INVALID_NAME, "a token needs a non-empty name of at most 256 characters")
    if expires_at is not None and expires_at <= utcnow():
        raise GovernError(INVALID_EXPIRY, "the expiry must be in the future")
    token = _PREFIX + secrets.token_urlsafe(32)
    info = TokenInfo(uuid.uuid4().hex, name.strip(), checked, utcnow(), expires_at, None)
    session.execute(
        sa.insert(token_t).values(
            id=info.id,
            name=info.name,
            role=info.role,
            token_hash=_hash(token),
            created_at=info.created_at,
            expires_at=expires_at,
        )
    )
    record(session, actor=actor, kind="token.created", payload={"token": info.id, "name": info.name, "role": info.role})
    return token, info


def authenticate(session: Session, token: str) -> Principal:
    """The principal a bearer token stands for. Raises ``AuthenticationError(invalid_token)``."""
    if not token.startswith(_PREFIX):
        raise AuthenticationError(INVALID_TOKEN, "the bearer token is not valid")
    digest = _hash(token)
    row = session.execute(sa.select(token_t).where(token_t.c.token_hash == digest)).mappings().first()
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        raise AuthenticationError(INVALID_TOKEN, "the bearer token is not valid")
    if row["revoked_at"] is not None:
        raise AuthenticationError(TOKEN_REVOKED, "the bearer token has been revoked")
    if row["expires_at"] is not None and row["expires_at"] <= utcnow():
        raise AuthenticationError(TOKEN_EXPIRED, "the bearer token has expired")
    return Principal(row["name"], row["role"], row["id"])


def revoke_token(session: Session, token_id: str, *, actor: str) -> TokenInfo:
    """Revoke a token by id and ledger ``token.revoked`` by ``actor`` in the caller's transaction.

    Idempotent: revoking a revoked token changes nothing and ledgers nothing. Raises ``not_found``.
    """
    from govern.ledger import record

    row = session.get(TokenRow, token_id)
    if row is None:
        raise NotFoundError(NOT_FOUND, f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        record(session, actor=actor, kind="token.revoked", payload={"token": row.id, "name": row.name})
    return _info(row)


def token_info(session: Session, token_id: str) -> TokenInfo | None:
    """The token with id ``token_id`` (revoked or expired ones too), or None."""
    row = session.get(TokenRow, token_id)
    return _info(row) if row is not None else None


def list_tokens(session: Session) -> list[TokenInfo]:
    rows = session.execute(sa.select(TokenRow).order_by(col(TokenRow.created_at))).scalars()
    return [_info(r) for r in rows]


def principal_by_name(session: Session, name: str) -> Principal:
    """The principal named ``name`` (newest active token), for local single-machine use."""
    now = utcnow()
    for row in reversed(list_tokens(session)):
        if row.name == name and row.revoked_at is None and (row.expires_at is None or row.expires_at > now):
            return Principal(row.name, row.role, row.id)
    raise NotFoundError(UNKNOWN_PRINCIPAL, f"no active identity named {name!r}; create one with `govern token create`")


def local_principal(session: Session, *, token: str | None, name: str | None, single_user: bool) -> Principal:
    """Who acts on a local command that needs an identity (approve, reject, waive, rollback).

    With ``token`` (the person's own bearer token, ``GOVERN_TOKEN``) it is the token's principal,
    checked against the hashed tokens; ``name`` (``--as``), when given, must be that principal's
    name. Without a token, only ``single_user`` mode acts by ``name`` alone, and the principal is
    marked ``single_user`` so that every ledger entry it causes says so.

    Raises ``AuthenticationError`` ``local_token_required`` (no token, not single-user) and the
    errors of :func:`authenticate`; ``PermissionDenied(identity_mismatch)``; ``unknown_principal``.
    """
    if token:
        principal = authenticate(session, token)
        if name and name != principal.name:
            raise PermissionDenied(
                IDENTITY_MISMATCH,
                f"GOVERN_TOKEN belongs to {principal.name}, not {name}; drop --as or use your token",
            )
        return principal
    if not single_user:
        raise AuthenticationError(
            LOCAL_TOKEN_REQUIRED,
            "acting on the local workspace needs your own token: set GOVERN_TOKEN (from `govern token create`), "
            "or enable single-user mode (GOVERN_SINGLE_USER=1), which the ledger records on every entry it covers",
        )
    if not name:
        raise GovernError(INVALID_NAME, "single-user mode needs a name (--as NAME or GOVERN_ACTOR)")
    return replace(principal_by_name(session, name), single_user=True)


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(row.id, row.name, row.role, row.created_at, row.expires_at, row.revoked_at)  # type: ignore[arg-type]
