"""Problem details (RFC 9457, ``application/problem+json``) for every error, in one place.

Each problem has ``type`` (a stable URI naming the code), ``title``, ``status``, ``detail`` and
``code`` (the GovernError code). Nothing here ever shows a traceback: an unexpected exception is
logged and answered with a 500 ``internal_error``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from govern.core import GovernError

if TYPE_CHECKING:
    from fastapi import FastAPI

PROBLEM_TYPE_BASE = "https://govern.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("govern.api")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int, code: str, detail: str, *, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    """A problem+json response for ``code`` with HTTP ``status``."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
        "status": status,
        "detail": detail,
        "code": code,
        **(extra or {}),
    }
    return ProblemResponse(body, status_code=status, headers=headers)


def from_govern_error(err: GovernError) -> Response:
    extra: dict[str, Any] = {}
    data = err.to_dict()
    for key in ("location", "seq"):
        if key in data:
            extra[key] = data[key]
    headers = {"WWW-Authenticate": "Bearer"} if err.http_status == 401 else None
    retry_after = getattr(err, "retry_after", None)
    if retry_after:
        headers = {"Retry-After": str(retry_after)}
    return problem(err.http_status, err.code, err.message, extra=extra, headers=headers)


# Starlette's own HTTP errors (unknown route, wrong method, ...) get stable codes too.
_HTTP_CODES = {
    404: "route_not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    400: "bad_request",
}


def install(app: FastAPI) -> None:
    """Register the exception handlers on a FastAPI ``app``."""
    from fastapi.exceptions import RequestValidationError
    from sqlalchemy import exc as sa_exc
    from starlette.exceptions import HTTPException

    @app.exception_handler(GovernError)
    async def _govern(_request: Request, err: GovernError) -> Response:
        return from_govern_error(err)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, err: RequestValidationError) -> Response:
        errors: list[dict[str, Any]] = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in err.errors()
        ][:20]
        first_loc: list[str] = errors[0]["loc"] if errors else []
        first_msg: str = errors[0]["msg"] if errors else "invalid request"
        detail = f"{'.'.join(first_loc)}: {first_msg}" if first_loc else first_msg
        return problem(422, "request_invalid", detail, extra={"errors": errors})

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, err: HTTPException) -> Response:
        code = _HTTP_CODES.get(err.status_code, "http_error")
        detail = err.detail if isinstance(err.detail, str) else HTTPStatus(err.status_code).phrase
        return problem(err.status_code, code, detail, headers=getattr(err, "headers", None))

    @app.exception_handler(sa_exc.IntegrityError)
    async def _integrity(_request: Request, _err: Exception) -> Response:
        # Two replicas raced for the same unique row (a vote, an idempotency key): the loser
        # conflicts with what the winner wrote.
        return problem(409, "write_conflict", "a concurrent request changed the same object; retry")

    @app.exception_handler(sa_exc.DataError)
    async def _data(_request: Request, _err: Exception) -> Response:
        # A value the database cannot store (NUL in a path or query string on PostgreSQL).
        return problem(422, "value_unstorable", "a value in the request cannot be stored")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "an internal error occurred; it has been logged")
