"""The delivery worker: claim due outbox rows, POST them signed, retry with backoff."""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from govern.core import utcnow
from govern.store import table_of

from ._sign import SIGNATURE_HEADER, sign
from ._tables import WebhookDeliveryRow, WebhookRow

log = logging.getLogger("govern.webhooks")
_delivery_t = table_of(WebhookDeliveryRow)
_webhook_t = table_of(WebhookRow)


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failures: ``base * 2**(n-1)``, capped, +-20% jitter."""

    base_s: float = 1.0
    cap_s: float = 300.0
    max_attempts: int = 20  # about 1.5 hours of retrying, then the row is "dead"

    def delay(self, attempts: int) -> float:
        raw = min(self.cap_s, self.base_s * 2.0 ** max(0, attempts - 1))
        return raw * random.uniform(0.8, 1.2)


def _claim(store: Any, *, batch: int, lease_s: float) -> list[Any]:
    """Lease up to ``batch`` due rows to this worker. PostgreSQL skips rows another replica holds;
    SQLite's write lock serializes claimers; an expired lease (a crashed worker) is claimable."""
    now = utcnow()
    due = (
        sa.select(_delivery_t.c.id)
        .where(
            _delivery_t.c.status == "pending",
            _delivery_t.c.next_attempt_at <= now,
            sa.or_(_delivery_t.c.lease_until.is_(None), _delivery_t.c.lease_until < now),
        )
        .order_by(_delivery_t.c.id)
        .limit(batch)
    )
    with store.read() as session:  # most rounds find nothing: do not take the write lock for that
        if session.execute(due.with_only_columns(_delivery_t.c.id).limit(1)).first() is None:
            return []
    with store.write() as session:
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.execute(due).scalars())
        if not ids:
            return []
        session.execute(
            sa.update(_delivery_t).where(_delivery_t.c.id.in_(ids)).values(lease_until=now + timedelta(seconds=lease_s))
        )
        return list(
            session.execute(
                sa.select(
                    _delivery_t.c.id,
                    _delivery_t.c.event_seq,
                    _delivery_t.c.kind,
                    _delivery_t.c.body,
                    _delivery_t.c.attempts,
                    _webhook_t.c.url,
                    _webhook_t.c.secret,
                )
                .join(_webhook_t, _webhook_t.c.id == _delivery_t.c.webhook_id)
                .where(_delivery_t.c.id.in_(ids))
                .order_by(_delivery_t.c.id)
            ).all()
        )


def _post(client: Any, row: Any) -> str | None:
    """POST one event; None on a 2xx answer, else the reason it failed."""
    body = row.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(row.secret, body),
        "Govern-Event-Id": f"evt_{row.event_seq}",
        "Govern-Event-Kind": row.kind,
        "User-Agent": "govern-webhooks",
    }
    try:
        response = client.post(row.url, content=body, headers=headers)
    except Exception as exc:  # noqa: BLE001 - any transport failure is a retry, never a crash
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


def deliver_due(
    store: Any, client: Any, *, backoff: Backoff = Backoff(), batch: int = 20, lease_s: float = 30.0
) -> int:
    """Deliver what is due now (one claim); returns how many rows were attempted."""
    rows = _claim(store, batch=batch, lease_s=lease_s)
    for row in rows:
        error = _post(client, row)
        now = utcnow()
        if error is None:
            values: dict[str, Any] = {
                "status": "delivered",
                "delivered_at": now,
                "attempts": row.attempts + 1,
                "lease_until": None,
                "last_error": None,
            }
        else:
            attempts = row.attempts + 1
            values = {
                "attempts": attempts,
                "lease_until": None,
                "last_error": error,
                "next_attempt_at": now + timedelta(seconds=backoff.delay(attempts)),
                "status": "dead" if attempts >= backoff.max_attempts else "pending",
            }
            log.info("webhook delivery %s to %s failed (attempt %d): %s", row.id, row.url, attempts, error)
        with store.write() as session:
            session.execute(sa.update(_delivery_t).where(_delivery_t.c.id == row.id).values(**values))
    return len(rows)


class Deliverer:
    """A daemon thread delivering the outbox every ``interval_s`` (immediately again while busy)."""

    def __init__(
        self, store: Any, *, interval_s: float = 0.5, backoff: Backoff = Backoff(), timeout_s: float = 5.0
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.backoff = backoff
        self.timeout_s = timeout_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="govern-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import httpx

        with httpx.Client(timeout=self.timeout_s, follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    busy = deliver_due(self.store, client, backoff=self.backoff)
                except Exception:
                    log.exception("webhook delivery round failed")
                    busy = 0
                if not busy:
                    self._stop.wait(self.interval_s)
