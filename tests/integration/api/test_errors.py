"""Errors over HTTP: tokens (bad, expired, revoked), role, ownership, size, JSON, idempotency,
rate limit. Every error is application/problem+json without a traceback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from govern.core import isoformat, utcnow


@pytest.fixture
def tight(api_ws: Any, kit: Any) -> Iterator[Any]:
    """A server with a 4 KiB body limit and 3 approval actions per minute per token."""
    srv = kit.Server(api_ws, extra_env={"GOVERN_MAX_BODY_BYTES": "4096", "GOVERN_APPROVAL_RATE_LIMIT": "3"})
    try:
        yield srv
    finally:
        srv.stop()


def test_tokens_roles_and_ownership(tight: Any, kit: Any) -> None:
    assert_problem = kit.problem
    url = tight.url + "/v1/models"
    assert_problem(httpx.get(url), 401, "missing_token")
    assert_problem(httpx.get(url, headers={"Authorization": "Basic abc"}), 401, "missing_token")
    assert_problem(httpx.get(url, headers={"Authorization": "Bearer gov_not-a-real-token"}), 401, "invalid_token")
    assert httpx.get(url, headers={"Authorization": "Bearer nope"}).headers["www-authenticate"] == "Bearer"
    with tight.client("root") as admin:
        short = admin.post(
            "/tokens",
            json={"name": "brief", "role": "auditor", "expires_at": isoformat(utcnow() + timedelta(seconds=1.5))},
        ).json()
        revoked = admin.post("/tokens", json={"name": "gone", "role": "auditor"}).json()
        assert httpx.get(url, headers={"Authorization": f"Bearer {revoked['token']}"}).status_code == 200
        admin.post(f"/tokens/{revoked['id']}/revoke")
    assert_problem(httpx.get(url, headers={"Authorization": f"Bearer {revoked['token']}"}), 401, "token_revoked")
    time.sleep(1.6)
    assert_problem(httpx.get(url, headers={"Authorization": f"Bearer {short['token']}"}), 401, "token_expired")
    with tight.client("audrey") as auditor, tight.client("dave") as dave:
        assert_problem(
            auditor.post("/models/credit-risk@1/gates/promote", json={"target": "staging"}), 403, "role_forbidden"
        )
        assert_problem(dave.get("/models/credit-risk@1"), 404, "not_found")
        assert dave.get("/models/dave-model@1").status_code == 200
        assert [m["model"] for m in dave.get("/models").json()] == ["dave-model@1"]
        assert_problem(dave.post("/models", json={"name": "x", "version": "1", "owner": "bob"}), 403, "owner_mismatch")


def test_body_json_routes(tight: Any, kit: Any) -> None:
    assert_problem = kit.problem
    with tight.client("root") as admin:
        assert_problem(
            admin.post(
                "/tokens",
                content=b'{"name": "x", "role": "ci"' + b" " * 5000,
                headers={"Content-Type": "application/json"},
            ),
            413,
            "body_too_large",
        )
        big = {"file": ("big.csv", b"a,b\n" + b"1,2\n" * 2000, "text/csv")}
        assert_problem(admin.post("/models/credit-risk@1/evidence", files=big, data={"role": "reference"}), 413)
        assert_problem(
            admin.post("/tokens", content=b'{"name": ', headers={"Content-Type": "application/json"}),
            422,
            "request_invalid",
        )
        assert_problem(admin.post("/tokens", json={"name": "x", "role": "ci", "admin": True}), 422, "request_invalid")
        assert_problem(admin.post("/tokens", json={"name": "x", "role": "emperor"}), 422, "request_invalid")
        assert_problem(admin.get("/no/such/route"), 404, "route_not_found")
        assert_problem(admin.delete("/models"), 405, "method_not_allowed")
        assert_problem(admin.get("/models/not a ref!"), 400, "invalid_ref")
        assert_problem(admin.get("/ledger/proofs/inclusion/1"), 400, "checkpoint_missing")


def test_idempotency_key(tight: Any, kit: Any) -> None:
    assert_problem = kit.problem
    with tight.client("root") as admin:
        key = {"Idempotency-Key": "create-ci-token-1"}
        first = admin.post("/tokens", json={"name": "idem", "role": "ci"}, headers=key)
        again = admin.post("/tokens", json={"name": "idem", "role": "ci"}, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert sum(1 for t in admin.get("/tokens").json() if t["name"] == "idem") == 1
        assert_problem(
            admin.post("/tokens", json={"name": "other", "role": "ci"}, headers=key), 422, "idempotency_key_reused"
        )
    with tight.client("alice") as alice:  # another token: its own key space
        assert alice.post("/tokens", json={"name": "idem", "role": "ci"}, headers=key).status_code == 403


def test_approval_rate_limit_per_token(tight: Any, kit: Any) -> None:
    assert_problem = kit.problem
    if time.time() % 60 > 50:  # the window is a clock minute: do not straddle two
        time.sleep(61 - time.time() % 60)
    with tight.client("alice") as alice, tight.client("carol") as carol:
        for _ in range(3):
            assert_problem(alice.post("/approvals/apr_missing/approve", json={"justification": "x"}), 404)
        limited = alice.post("/approvals/apr_missing/approve", json={"justification": "x"})
        assert_problem(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert_problem(carol.post("/approvals/apr_missing/approve", json={"justification": "x"}), 404)
