"""Routes of the web inbox: sign in/out, inbox, request page with review forms, ledger page.

Thin like the API routes: read the session, check CSRF on every POST, call one library function,
render a template or redirect (post/redirect/get with a one-time flash message). Refusals from the
decision library (separation of duties, duplicates, closed requests) become a flash on the page,
never an error page.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from govern.api import codes
from govern.core import GovernError, NotFoundError, PermissionDenied, isoformat

from . import _sessions, _views
from ._sessions import WebSession

HERE = Path(__file__).parent
SESSION_COOKIE = "govern_session"
SIGNIN_COOKIE = "govern_signin"  # the pre-session CSRF value of the sign-in form (double submit)
_STATIC = {"govern.css": "text/css; charset=utf-8"}
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the API's OpenAPI contract

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["number"] = _views.number
_env.filters["when"] = lambda dt: isoformat(dt)[:16].replace("T", " ") + " UTC" if dt else "\u2014"
_env.filters["humanize"] = lambda s: str(s).replace("_", " ")


class _Refused(Exception):
    """A POST refused before it reached the library (no session, CSRF or origin mismatch)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _workspace(request: Request, session: WebSession | None = None) -> Any:
    ws = request.app.state.workspace
    if session is None:
        return ws
    acting = copy.copy(ws)  # shallow: same store and compiled packs, acting as the signed-in person
    acting.actor = session.principal.name
    return acting


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(
    request: Request, template: str, *, session: WebSession | None = None, status: int = 200, **context: Any
) -> Response:
    flash = _sessions.pop_flash(request.app.state.workspace.store, session) if session else None
    html = _env.get_template(template).render(
        request=request, session=session, flash=flash, path=request.url.path, **context
    )
    return _headers(HTMLResponse(html, status_code=status))


def _error(request: Request, status: int, code: str, message: str, session: WebSession | None = None) -> Response:
    return _render(request, "error.html", session=session, status=status, code=code, message=message)


def _redirect(url: str) -> Response:
    return _headers(RedirectResponse(url, status_code=303))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _current(request: Request, cookie: str | None) -> WebSession | None:
    return _sessions.load(request.app.state.workspace.store, cookie)


def _signin_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _redirect(f"/signin?next={quote(target, safe='')}")


def _local(next_url: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/inbox"
    return next_url


def _check_post(request: Request, cookie: str | None, csrf: str | None) -> WebSession:
    """The session of a state-changing POST: it exists, the form carries its CSRF token, and a
    browser-sent ``Origin`` names this site. Raises :class:`_Refused` (403) otherwise."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise _Refused(403, "csrf_failed", "This form was sent from another site and was refused.")
    session = _current(request, cookie)
    if session is None:
        raise _Refused(403, "session_required", "Your session has ended. Sign in again, then repeat the action.")
    if not _sessions.csrf_matches(session.csrf, csrf):
        raise _Refused(
            403,
            "csrf_failed",
            "The form could not be verified (its security token is missing or wrong). Reload the page and try again.",
        )
    return session


# -- sign in and out ----------------------------------------------------------------------------


@router.get("/")
def home() -> Response:
    return _redirect("/inbox")


@router.get("/signin")
def signin_form(
    request: Request, next: str | None = Query(None, max_length=2048), govern_session: str | None = Cookie(None)
) -> Response:
    if _current(request, govern_session) is not None:
        return _redirect(_local(next))
    return _signin_page(request, _local(next))


def _signin_page(request: Request, next_url: str, *, status: int = 200, error: str | None = None) -> Response:
    csrf = _sessions.new_secret()
    response = _render(request, "signin.html", status=status, csrf=csrf, next=next_url, error=error)
    response.set_cookie(
        SIGNIN_COOKIE, csrf, max_age=3600, path="/signin", httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.post("/signin")
def signin(
    request: Request,
    token: str | None = Form(None),
    csrf_token: str | None = Form(None),
    next: str | None = Form(None),
    govern_signin: str | None = Cookie(None),
) -> Response:
    if not _sessions.csrf_matches(govern_signin, csrf_token):
        return _error(
            request,
            403,
            "csrf_failed",
            "The sign-in form could not be verified. Open the sign-in page again and retry.",
        )
    try:
        session_id, session = _sessions.start(request.app.state.workspace.store, (token or "").strip())
    except GovernError as err:
        return _signin_page(request, _local(next), status=401, error=f"Sign-in failed: {err.message}.")
    response = _redirect(_local(next))
    max_age = int((session.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=max_age, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/signin", httponly=True, samesite="strict", secure=_secure(request))
    return response


@router.post("/signout")
def signout(
    request: Request, csrf_token: str | None = Form(None), govern_session: str | None = Cookie(None)
) -> Response:
    try:
        _check_post(request, govern_session, csrf_token)
    except _Refused as refused:
        return _error(request, refused.status, refused.code, refused.message)
    _sessions.end(request.app.state.workspace.store, govern_session)
    response = _redirect("/signin")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


# -- pages ----------------------------------------------------------------------------------------


@router.get("/inbox")
def inbox(
    request: Request,
    tier: str | None = Query(None, max_length=16),
    model: str | None = Query(None, max_length=700),
    govern_session: str | None = Cookie(None),
) -> Response:
    session = _current(request, govern_session)
    if session is None:
        return _signin_redirect(request)
    ws = _workspace(request, session)
    try:
        rows = _views.inbox(ws, session.principal, tier=tier, model=model)
    except PermissionDenied as err:
        return _error(request, 403, err.code, err.message, session)
    tiers, models = _views.filter_choices(ws, session.principal)
    return _render(
        request,
        "inbox.html",
        session=session,
        rows=rows,
        duties=_views.overdue_duties(ws, session.principal),
        tiers=tiers,
        models=models,
        tier=tier or "",
        model=model or "",
    )


@router.get("/requests/{request_id}")
def request_page(request: Request, request_id: str, govern_session: str | None = Cookie(None)) -> Response:
    session = _current(request, govern_session)
    if session is None:
        return _signin_redirect(request)
    try:
        page = _views.request_page(_workspace(request, session), session.principal, request_id)
    except NotFoundError:
        return _error(request, 404, "not_found", f"There is no approval request {request_id} you can see.", session)
    except PermissionDenied as err:
        return _error(request, 403, err.code, err.message, session)
    default_expiry = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    return _render(request, "request.html", session=session, page=page, default_expiry=default_expiry)


@router.get("/ledger")
def ledger(request: Request, govern_session: str | None = Cookie(None)) -> Response:
    reader = _ledger_reader(request, govern_session)
    if isinstance(reader, Response):
        return reader
    session, page = reader
    return _render(request, "ledger.html", session=session, page=page)


def _ledger_reader(request: Request, cookie: str | None) -> tuple[WebSession, _views.LedgerPage] | Response:
    """The session and ledger page of someone who may read the ledger, or the response refusing them."""
    session = _current(request, cookie)
    if session is None:
        return _signin_redirect(request)
    try:
        return session, _views.ledger_page(_workspace(request, session), session.principal)
    except PermissionDenied as err:
        return _error(request, 403, err.code, err.message, session)


def _download(body: bytes | str, media_type: str, filename: str) -> Response:
    response = Response(body, media_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _headers(response)


@router.get("/ledger/checkpoint.txt")
def checkpoint_text(request: Request, govern_session: str | None = Cookie(None)) -> Response:
    reader = _ledger_reader(request, govern_session)
    if isinstance(reader, Response):
        return reader
    session, page = reader
    if page.checkpoint is None:
        return _error(request, 404, "checkpoint_missing", "No checkpoint has been signed yet.", session)
    return _download(page.checkpoint["text"], "text/plain; charset=utf-8", f"checkpoint-{page.checkpoint['size']}.txt")


@router.get("/ledger/report.pdf")
def period_report(request: Request, govern_session: str | None = Cookie(None)) -> Response:
    reader = _ledger_reader(request, govern_session)
    if isinstance(reader, Response):
        return reader
    session, _page = reader
    import tempfile
    from datetime import timedelta
    from pathlib import Path

    from govern.core import utcnow

    end = utcnow()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "period.pdf"
        _workspace(request, session).report_period(end - timedelta(days=30), end, out)
        pdf = out.read_bytes()
    return _download(pdf, "application/pdf", "govern-period-report-30d.pdf")


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in _STATIC:
        return _headers(PlainTextResponse("not found", status_code=404))
    response = FileResponse(HERE / "static" / name, media_type=_STATIC[name])
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- actions ----------------------------------------------------------------------------------------


def _rate_key(session: WebSession) -> str:
    # Per signed-in token, in the API's shared (database) rate-limit table.
    return hashlib.sha256(f"web:{session.principal.token_id}".encode()).hexdigest()


def _act(
    request: Request, cookie: str | None, csrf: str | None, request_id: str, action: Any, success: Any
) -> Response:
    """Run one review action for the request page and come back to it with a flash message."""
    try:
        session = _check_post(request, cookie, csrf)
    except _Refused as refused:
        return _error(request, refused.status, refused.code, refused.message)
    ws = _workspace(request, session)
    store = ws.store
    try:
        _views.visible_request(ws, session.principal, request_id)
    except NotFoundError:
        return _error(request, 404, "not_found", f"There is no approval request {request_id} you can see.", session)
    from govern.api import hit_rate_limit

    try:
        hit_rate_limit(store, _rate_key(session), limit=request.app.state.settings.approval_rate_limit)
        result = action(ws, session)
        _sessions.set_flash(store, session, "success", success(result))
    except GovernError as err:
        _sessions.set_flash(store, session, "error", err.message, code=err.code)
    return _redirect(f"/requests/{quote(request_id, safe='')}#result")


@router.post("/requests/{request_id}/approve")
def approve(
    request: Request,
    request_id: str,
    justification: str | None = Form(None),
    csrf_token: str | None = Form(None),
    govern_session: str | None = Cookie(None),
) -> Response:
    return _vote(request, request_id, "approve", justification, csrf_token, govern_session)


@router.post("/requests/{request_id}/reject")
def reject(
    request: Request,
    request_id: str,
    justification: str | None = Form(None),
    csrf_token: str | None = Form(None),
    govern_session: str | None = Cookie(None),
) -> Response:
    return _vote(request, request_id, "reject", justification, csrf_token, govern_session)


def _vote(
    request: Request, request_id: str, verdict: str, justification: str | None, csrf: str | None, cookie: str | None
) -> Response:
    from govern.decisions import vote

    def action(ws: Any, session: WebSession) -> Any:
        return vote(ws.context, request_id, session.principal, verdict, justification or "")  # type: ignore[arg-type]

    def success(view: Any) -> str:
        done = "Approved" if verdict == "approve" else "Rejected"
        have = len({v.approver for v in view.votes if v.verdict == "approve"})
        return f"{done}. The request is now {view.status} ({have} of {view.required['count']} approvals)."

    return _act(request, cookie, csrf, request_id, action, success)


@router.post("/requests/{request_id}/waive")
def waive_rule(
    request: Request,
    request_id: str,
    rule: str | None = Form(None),
    justification: str | None = Form(None),
    expires: str | None = Form(None),
    csrf_token: str | None = Form(None),
    govern_session: str | None = Cookie(None),
) -> Response:
    from govern.decisions import get_request, waive

    def action(ws: Any, session: WebSession) -> Any:
        try:
            day = datetime.strptime((expires or "").strip(), "%Y-%m-%d").date()
        except ValueError:
            raise GovernError(codes.INVALID_EXPIRY_DATE, "give the waiver's expiry as a date (YYYY-MM-DD)") from None
        model = get_request(ws.context, request_id).model
        return waive(
            ws.context,
            model,
            (rule or "").strip(),
            session.principal,
            justification=justification or "",
            expires=datetime.combine(day, time(23, 59, 59), tzinfo=UTC),
        )

    def success(w: Any) -> str:
        return (
            f"Rule {w.rule} is waived for {w.model} until {isoformat(w.expires_at)[:10]}. "
            "Run the gate again to re-evaluate."
        )

    return _act(request, govern_session, csrf_token, request_id, action, success)
