"""Limits: request body size (413), the per-token approval rate limit (429) shared by replicas."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from starlette.exceptions import HTTPException

from govern.core import GovernError
from govern.store import table_of

from ._problems import problem
from ._tables import ApiRateRow

_rate_t = table_of(ApiRateRow)


class _TooLarge(HTTPException):
    # An HTTPException, so FastAPI's body parsing passes it on instead of turning it into a 400.
    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


class RateLimited(GovernError):
    """Too many approval actions by one token in the current minute (429)."""

    http_status = 429

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            "rate_limited", f"at most {limit} approval actions per minute per token; retry in {retry_after}s"
        )
        self.retry_after = retry_after


def hit_rate_limit(store: Any, token_hash: str, *, limit: int, now: float | None = None) -> int:
    """Count one approval action for ``token_hash`` in this minute's window (in the database, so
    every replica shares it); raises :class:`RateLimited` over ``limit``. Returns the count."""
    t = time.time() if now is None else now
    window = int(t // 60)
    with store.write() as session:
        dialect = session.get_bind().dialect.name
        values = {"token_hash": token_hash, "window": window, "count": 1}
        key, bump = ["token_hash", "window"], {"count": _rate_t.c.count + 1}
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            stmt = (
                postgresql.insert(_rate_t)
                .values(values)
                .on_conflict_do_update(index_elements=key, set_=bump)
                .returning(_rate_t.c.count)
            )
        else:
            from sqlalchemy.dialects import sqlite

            stmt = (
                sqlite.insert(_rate_t)
                .values(values)
                .on_conflict_do_update(index_elements=key, set_=bump)
                .returning(_rate_t.c.count)
            )
        count = session.execute(stmt).scalar_one()
        if count == 1:  # first action in a new window: drop this token's old windows
            session.execute(sa.delete(_rate_t).where(_rate_t.c.token_hash == token_hash, _rate_t.c.window < window))
    if count > limit:
        raise RateLimited(limit, max(1, int(60 - t % 60)))
    return int(count)


class BodyLimit:
    """Refuse bodies over ``max_bytes``: by ``Content-Length`` up front, or while streaming."""

    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        response = problem(
            413, "body_too_large", f"the request body exceeds {self.max_bytes} bytes", headers={"Connection": "close"}
        )
        await response(scope, receive, send)
