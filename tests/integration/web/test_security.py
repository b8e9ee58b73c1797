"""Sessions, cookies and CSRF of the web inbox, over real HTTP against ``govern serve``."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

VOTE = {"justification": "looks fine"}


def votes(server: Any) -> list[dict]:
    with server.api("rita") as api:
        return list(api.get(f"/approvals/{server.ws.request_id}").json()["votes"])


def csrf_of(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("csrf", [None, "", "wrong-token"], ids=["missing", "empty", "wrong"])
def test_a_post_without_the_right_csrf_token_is_refused(server: Any, csrf: str | None) -> None:
    with server.signed_in("rita") as browser:
        data = dict(VOTE) if csrf is None else {**VOTE, "csrf_token": csrf}
        refused = browser.post(f"/requests/{server.ws.request_id}/approve", data=data)
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
        assert "Form refused" in refused.text and "csrf_failed" in refused.text
        assert votes(server) == []
        # The same form with the session's token goes through.
        token = csrf_of(browser, f"/requests/{server.ws.request_id}")
        done = browser.post(f"/requests/{server.ws.request_id}/approve", data={**VOTE, "csrf_token": token})
        assert done.status_code == 303
        assert [v["approver"] for v in votes(server)] == ["rita"]


def test_a_cross_site_origin_is_refused_even_with_the_token(server: Any) -> None:
    with server.signed_in("rita") as browser:
        token = csrf_of(browser, f"/requests/{server.ws.request_id}")
        refused = browser.post(
            f"/requests/{server.ws.request_id}/approve",
            data={**VOTE, "csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert refused.status_code == 403 and "csrf_failed" in refused.text
    assert votes(server) == []


def test_sign_in_form_needs_its_own_csrf_value(server: Any) -> None:
    with httpx.Client(base_url=server.url) as client:
        refused = client.post("/signin", data={"token": server.ws.tokens["rita"], "csrf_token": "guess"})
        assert refused.status_code == 403 and "govern_session" not in refused.headers.get("set-cookie", "")


def test_session_cookie_flags_and_stored_hash(server: Any) -> None:
    with server.signed_in("rita") as browser:
        cookie = browser.cookies["govern_session"]
    with httpx.Client(base_url=server.url) as client:
        token = csrf_of(client, "/signin")
        response = client.post("/signin", data={"token": server.ws.tokens["rita"], "csrf_token": token})
        header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("govern_session="))
    flags = {part.strip().split("=")[0].lower(): part for part in header.split(";")}
    assert "httponly" in flags and flags["samesite"].strip().lower() == "samesite=strict"
    assert "secure" not in flags  # plain http on loopback
    assert 0 < int(flags["max-age"].split("=")[1]) <= 8 * 3600
    import sqlalchemy as sa

    with server.ws.open() as ws, ws.store.read() as db:
        stored = set(db.execute(sa.text("SELECT id_hash FROM web_session")).scalars())
    assert cookie not in stored
    assert hashlib.sha256(cookie.encode()).hexdigest() in stored


def test_cookie_is_secure_behind_https(server: Any) -> None:
    # uvicorn trusts X-Forwarded-Proto from loopback (the reverse proxy in a deployment).
    with httpx.Client(base_url=server.url, headers={"X-Forwarded-Proto": "https"}) as client:
        token = csrf_of(client, "/signin")
        # The sign-in cookie is Secure now too; hand it back over the plain loopback connection.
        client.cookies.set("govern_signin", client.cookies.get("govern_signin") or "")
        response = client.post("/signin", data={"token": server.ws.tokens["rita"], "csrf_token": token})
    headers = response.headers.get_list("set-cookie")
    session = [h for h in headers if h.startswith("govern_session=")]
    assert session and "secure" in session[0].lower()


def test_sign_out_ends_the_session(server: Any) -> None:
    with server.signed_in("rita") as browser:
        old = browser.cookies["govern_session"]
        assert browser.get("/inbox").status_code == 200
        assert browser.post("/signout", data={"csrf_token": csrf_of(browser, "/inbox")}).status_code == 303
    with httpx.Client(base_url=server.url, cookies={"govern_session": old}) as replay:
        assert replay.get("/inbox").status_code == 303  # back to sign-in


def test_revoking_the_token_ends_the_session(server: Any) -> None:
    with server.signed_in("ravi") as browser:
        assert browser.get("/inbox").status_code == 200
        with server.ws.open() as ws:
            info = next(t for t in ws.list_tokens() if t.name == "ravi")
            ws.revoke_token(info.id)
        gone = browser.get("/inbox")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/signin")


def test_bad_token_and_open_redirect(server: Any) -> None:
    with httpx.Client(base_url=server.url) as client:
        token = csrf_of(client, "/signin")
        bad = client.post("/signin", data={"token": "gov_nope", "csrf_token": token})
        assert bad.status_code == 401 and "Sign-in failed" in bad.text
        token = csrf_of(client, "/signin")
        ok = client.post(
            "/signin", data={"token": server.ws.tokens["rita"], "csrf_token": token, "next": "//evil.example/x"}
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/inbox"


def test_security_headers_and_role_rules(server: Any) -> None:
    with server.signed_in("bob") as owner:
        page = owner.get("/inbox")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        assert owner.get("/ledger").status_code == 403  # model owners do not read the ledger
    with server.signed_in("audrey") as auditor:
        ledger = auditor.get("/ledger")
        assert ledger.status_code == 200 and "Intact" in ledger.text
        report = auditor.get("/ledger/report.pdf")
        assert report.status_code == 200 and report.content[:5] == b"%PDF-"
        assert report.headers["content-type"] == "application/pdf"
    with server.signed_in("rita") as officer:
        assert officer.get("/requests/apr_does_not_exist").status_code == 404
        # The inbox filters by tier and model through the query string.
        assert server.ws.request_id in officer.get("/inbox?tier=high").text
        assert server.ws.request_id not in officer.get("/inbox?tier=minimal").text
        assert server.ws.request_id not in officer.get("/inbox?model=credit-risk-gbm").text


def test_web_routes_stay_out_of_the_openapi_schema(server: Any) -> None:
    paths = httpx.get(server.url + "/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1/", "/api/v1/")) and p != "/healthz"]
