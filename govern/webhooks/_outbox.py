"""Subscribers and the outbox rows written in the same transaction as each decision event's ledger entry."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from govern.core import GovernError, NotFoundError, isoformat, utcnow
from govern.store import table_of

from ._codes import NOT_FOUND, WEBHOOK_KIND_UNKNOWN, WEBHOOK_URL_INVALID
from ._tables import WebhookDeliveryRow, WebhookRow

# Decision, approval and retraining events; the rest of the ledger is not pushed.
WEBHOOK_KINDS: tuple[str, ...] = (
    "gate.decided",
    "retrain.decided",
    "approval.requested",
    "approval.granted",
    "approval.rejected",
    "approval.voided",
    "waiver.granted",
    "stage.changed",
    "target.assigned",
    "target.released",
)
DEFAULT_KINDS = WEBHOOK_KINDS
_webhook_t = table_of(WebhookRow)
_delivery_t = table_of(WebhookDeliveryRow)


@dataclass(frozen=True, kw_only=True)
class Subscription:
    id: str
    url: str
    kinds: list[str]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    pending: int = 0
    delivered: int = 0
    dead: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "kinds": self.kinds,
            "created_by": self.created_by,
            "created_at": isoformat(self.created_at),
            "revoked_at": isoformat(self.revoked_at) if self.revoked_at else None,
            "deliveries": {"pending": self.pending, "delivered": self.delivered, "dead": self.dead},
        }


def subscribe(
    session: Session, url: str, *, kinds: list[str] | None, created_by: str, secret: str | None = None
) -> tuple[Subscription, str]:
    """Register a subscriber; returns it and its signing secret (generated when not given).

    ``webhook.subscribed`` by ``created_by`` is ledgered in the caller's transaction (``session``
    from ``Store.write()``). Raises ``webhook_url_invalid`` (not http(s)), ``webhook_kind_unknown``.
    """
    from govern.ledger import record

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise GovernError(WEBHOOK_URL_INVALID, f"{url!r} is not an http(s) URL")
    chosen = sorted(set(kinds)) if kinds else list(DEFAULT_KINDS)
    unknown = [k for k in chosen if k not in WEBHOOK_KINDS]
    if unknown:
        raise GovernError(
            WEBHOOK_KIND_UNKNOWN,
            f"not webhook event kinds: {', '.join(unknown)} (choose from {', '.join(WEBHOOK_KINDS)})",
        )
    secret = secret or "whsec_" + secrets.token_urlsafe(32)
    row = WebhookRow(
        id="whk_" + uuid.uuid4().hex[:20],
        url=url,
        secret=secret,
        kinds=chosen,
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session, actor=created_by, kind="webhook.subscribed", payload={"webhook": row.id, "url": url, "kinds": chosen}
    )
    return _subscription(row), secret


def revoke(session: Session, webhook_id: str, *, actor: str) -> Subscription:
    """Stop delivering to a subscriber; queued rows for it are dropped as dead, and
    ``webhook.revoked`` by ``actor`` is ledgered in the caller's transaction.

    Idempotent: revoking a revoked subscriber changes nothing and ledgers nothing.
    """
    from govern.ledger import record

    row = session.get(WebhookRow, webhook_id)
    if row is None:
        raise NotFoundError(NOT_FOUND, f"no webhook {webhook_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.execute(
            sa.update(_delivery_t)
            .where(_delivery_t.c.webhook_id == webhook_id, _delivery_t.c.status == "pending")
            .values(status="dead", last_error="subscriber revoked")
        )
        session.flush()
        record(session, actor=actor, kind="webhook.revoked", payload={"webhook": row.id, "url": row.url})
    return _subscription(row)


def list_subscriptions(session: Session) -> list[Subscription]:
    counts: dict[tuple[str, str], int] = {
        (r.webhook_id, r.status): r.n
        for r in session.execute(
            sa.select(_delivery_t.c.webhook_id, _delivery_t.c.status, sa.func.count().label("n")).group_by(
                _delivery_t.c.webhook_id, _delivery_t.c.status
            )
        )
    }
    rows = session.execute(sa.select(WebhookRow).order_by(col(WebhookRow.created_at))).scalars()
    return [_subscription(r, counts) for r in rows]


def enqueue(session: Session, entry: Any) -> int:
    """Queue ``entry`` (a ledger Entry) for every active subscriber of its kind, in ``session``'s
    transaction. Returns the number of rows queued; a failure fails the caller's transaction."""
    if entry.kind not in WEBHOOK_KINDS:
        return 0
    subscribers = session.execute(
        sa.select(_webhook_t.c.id, _webhook_t.c.kinds).where(_webhook_t.c.revoked_at.is_(None))
    ).all()
    targets = [s.id for s in subscribers if entry.kind in s.kinds]
    if targets and entry.idempotency_key is not None:
        # A replayed idempotent append returns its first entry, which was queued back then.
        queued = set(
            session.execute(sa.select(_delivery_t.c.webhook_id).where(_delivery_t.c.event_seq == entry.seq)).scalars()
        )
        targets = [t for t in targets if t not in queued]
    if not targets:
        return 0
    body = json.dumps(
        {
            "id": f"evt_{entry.seq}",
            "seq": entry.seq,
            "kind": entry.kind,
            "time": entry.time,
            "actor": entry.actor,
            "payload": entry.payload,
            "hash": entry.hash,
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    now = utcnow()
    session.execute(
        sa.insert(_delivery_t),
        [
            {
                "webhook_id": t,
                "event_seq": entry.seq,
                "kind": entry.kind,
                "body": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for t in targets
        ],
    )
    return len(targets)


def _subscription(row: WebhookRow, counts: dict[tuple[str, str], int] | None = None) -> Subscription:
    c = counts or {}
    return Subscription(
        id=row.id,
        url=row.url,
        kinds=list(row.kinds),
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        pending=c.get((row.id, "pending"), 0),
        delivered=c.get((row.id, "delivered"), 0),
        dead=c.get((row.id, "dead"), 0),
    )
