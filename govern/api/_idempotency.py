"""``Idempotency-Key`` on POST: the same key (per token) twice returns the first response.

Stored in the database (``api_idempotency``), so a retry reaching another replica replays too.
A key reused with a different request is 422 ``idempotency_key_reused``; a retry while the first
request still runs is 409 ``idempotency_in_progress``. Responses that did not act (401, 429, 5xx)
are not kept, so the client may retry them with the same key.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from govern.core import utcnow
from govern.store import table_of

from ._auth import token_hash
from ._problems import problem
from ._tables import ApiIdempotencyRow

HEADER = b"idempotency-key"
_MAX_KEY = 255
_STALE = timedelta(minutes=10)
_KEPT = timedelta(hours=24)  # a "running" record older than this was left by a crashed process
_NOT_KEPT = {401, 429}
_idem_t = table_of(ApiIdempotencyRow)


def _begin(store: Any, hashed: str, key: str, fingerprint: str) -> tuple[str, Any]:
    """Claim ``key`` or say why not: ("new"|"replay"|"running"|"mismatch", row)."""
    try:
        return _claim(store, hashed, key, fingerprint)
    except sa.exc.IntegrityError:  # another replica inserted the same key a moment earlier
        return "running", None


def _claim(store: Any, hashed: str, key: str, fingerprint: str) -> tuple[str, Any]:
    now = utcnow()
    with store.write() as session:
        row = session.execute(
            sa.select(_idem_t).where(_idem_t.c.token_hash == hashed, _idem_t.c.key == key).with_for_update()
        ).first()
        if row is None:
            # Keys are kept for a day: enough for any client's retries, and the table stays small.
            session.execute(
                sa.delete(_idem_t).where(_idem_t.c.token_hash == hashed, _idem_t.c.created_at < now - _KEPT)
            )
            session.execute(
                sa.insert(_idem_t).values(token_hash=hashed, key=key, fingerprint=fingerprint, created_at=now)
            )
            return "new", None
        if row.fingerprint != fingerprint:
            return "mismatch", row
        if row.status is None:
            if now - row.created_at < _STALE:
                return "running", row
            session.execute(
                sa.update(_idem_t).where(_idem_t.c.token_hash == hashed, _idem_t.c.key == key).values(created_at=now)
            )
            return "new", None
        return "replay", row


def _finish(store: Any, hashed: str, key: str, status: int, content_type: str | None, body: bytes) -> None:
    where = (_idem_t.c.token_hash == hashed, _idem_t.c.key == key)
    with store.write() as session:
        if status in _NOT_KEPT or status >= 500:
            session.execute(sa.delete(_idem_t).where(*where))
        else:
            session.execute(
                sa.update(_idem_t).where(*where).values(status=status, content_type=content_type, body=body)
            )


class Idempotency:
    """ASGI middleware implementing ``Idempotency-Key`` for POST requests."""

    def __init__(self, app: Any, *, store: Any) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        raw_key = headers.get(HEADER)
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if scope["type"] != "http" or scope["method"] != "POST" or raw_key is None or " " not in auth:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > _MAX_KEY:
            await problem(422, "idempotency_key_invalid", f"Idempotency-Key must be 1 to {_MAX_KEY} characters")(
                scope, receive, send
            )
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        hashed = token_hash(auth.split(" ", 1)[1].strip())
        fingerprint = hashlib.sha256(
            b"\n".join(
                [scope["path"].encode(), scope.get("query_string", b""), headers.get(b"content-type", b""), body]
            )
        ).hexdigest()
        state, row = await run_in_threadpool(_begin, self.store, hashed, key, fingerprint)
        if state == "mismatch":
            await problem(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request")(
                scope, receive, send
            )
            return
        if state == "running":
            await problem(
                409,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still running",
                headers={"Retry-After": "1"},
            )(scope, receive, send)
            return
        if state == "replay":
            await send(
                {
                    "type": "http.response.start",
                    "status": row.status,
                    "headers": [
                        (b"content-type", (row.content_type or "application/json").encode("latin-1")),
                        (b"content-length", str(len(row.body or b"")).encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": row.body or b""})
            return
        await self._first(scope, body, send, hashed, key)

    async def _first(self, scope: dict[str, Any], body: bytes, send: Any, hashed: str, key: str) -> None:
        sent = False

        async def replay_receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] | None = None
        chunks: list[bytes] = []
        recorded = False

        async def record_then_send(message: dict[str, Any]) -> None:
            # The record commits before the client sees the answer, so an immediate retry replays.
            nonlocal start, recorded
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            content_type = dict(start.get("headers") or []).get(b"content-type", b"").decode("latin-1") or None
            await run_in_threadpool(_finish, self.store, hashed, key, start["status"], content_type, b"".join(chunks))
            recorded = True
            await send(start)
            await send({"type": "http.response.body", "body": b"".join(chunks)})

        try:
            await self.app(scope, replay_receive, record_then_send)
        finally:
            if not recorded:  # the app failed before answering: free the key for a retry
                await run_in_threadpool(_finish, self.store, hashed, key, 500, None, b"")
