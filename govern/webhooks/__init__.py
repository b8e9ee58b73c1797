"""Webhooks: signed event delivery to subscribers from a transactional outbox.

``enqueue`` is called by ``govern.decisions.audit`` inside the transaction that appends a ledger
entry, so an event is queued exactly when it is recorded. A :class:`Deliverer` thread in each
``govern serve`` process claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a lease under
SQLite's write lock), POSTs them signed, and retries with exponential backoff. Delivery is at
least once; receivers deduplicate on ``Govern-Event-Id``.
"""

from . import _codes as codes
from ._deliver import Backoff, Deliverer, deliver_due
from ._outbox import (
    DEFAULT_KINDS,
    WEBHOOK_KINDS,
    Subscription,
    enqueue,
    list_subscriptions,
    revoke,
    subscribe,
)
from ._sign import SIGNATURE_HEADER, sign, verify_signature

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # subscribers
    "subscribe",
    "revoke",
    "list_subscriptions",
    "Subscription",
    "WEBHOOK_KINDS",
    "DEFAULT_KINDS",
    # outbox and delivery
    "enqueue",
    "Deliverer",
    "Backoff",
    "deliver_due",
    # signatures
    "SIGNATURE_HEADER",
    "sign",
    "verify_signature",
]
