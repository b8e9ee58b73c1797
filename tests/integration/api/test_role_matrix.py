"""Every route x every role -> the expected status; no token -> 401; all errors problem+json.

Routes run in order against one server (later routes use what earlier ones created). A role
outside ``ROLE_MATRIX[action]`` gets 403 ``role_forbidden``; a model_owner touching bob's model
gets 404; everyone else gets the route's success status unless ``overrides`` says otherwise.
"""

from __future__ import annotations

from typing import Any

import httpx

from govern.api import ROLE_MATRIX
from govern.identity import ROLES

CREDIT = "credit-risk@1"  # owned by bob: invisible to the model_owner (dave)


_OL_EVENT = {
    "eventType": "OTHER",
    "eventTime": "2026-01-01T00:00:00Z",
    "run": {"runId": "0190d9a4-5b6c-7d8e-9f00-0123456789ab"},
    "job": {"namespace": "matrix", "name": "job-{role}"},
    "producer": "https://example.com/matrix",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
}


def _routes(srv: Any, ctx: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any], int, dict[str, int]]]:
    """(method, path, action, request kwargs, success status, per-role overrides)."""
    files = srv.ws.files
    assert files is not None
    ref_csv = (files / "reference.csv").read_bytes()
    cur_csv = (files / "current-drifted.csv").read_bytes()
    rid, rid2 = ctx["request"], ctx["request2"]
    owner_404 = {"model_owner": 404}
    return [
        ("GET", "/models", "models.read", {}, 200, {}),
        (
            "POST",
            "/models",
            "models.register",
            {"json": {"name": "matrix", "version": "{role}", "run": "train-1"}},
            201,
            {},
        ),
        ("GET", f"/models/{CREDIT}", "models.read", {}, 200, owner_404),
        ("GET", f"/lineage/{CREDIT}", "lineage.read", {}, 200, owner_404),
        ("GET", "/lineage/dataset:credit/applications@1/impact", "lineage.read", {}, 200, {}),
        # an OTHER event is idempotent on its content: the job name differs per role, so each is new
        (
            "POST",
            srv.url + "/api/v1/lineage",
            "lineage.write",
            {"json": _OL_EVENT},
            201,
            {},
        ),
        ("GET", "/approvals", "approvals.read", {}, 200, {}),
        ("GET", f"/approvals/{rid}", "approvals.read", {}, 200, owner_404),
        ("GET", f"/approvals/{ctx['dave_request']}", "approvals.read", {}, 200, {}),
        ("POST", f"/approvals/{rid}/approve", "approvals.vote", {"json": {"justification": "ok"}}, 200, owner_404),
        # dave votes on his own model: separation of duties, not the role, refuses him
        (
            "POST",
            f"/approvals/{ctx['dave_request']}/approve",
            "approvals.vote",
            {"json": {"justification": "ok"}},
            200,
            {"model_owner": 403},
        ),
        # the first rejection closes the request; the next voter finds it closed
        (
            "POST",
            f"/approvals/{rid2}/reject",
            "approvals.vote",
            {"json": {"justification": "no"}},
            200,
            {"validator": 409, "model_owner": 404},
        ),
        ("GET", "/waivers", "waivers.read", {}, 200, {}),
        (
            "POST",
            "/waivers",
            "waivers.grant",
            {
                "json": {
                    "model": CREDIT,
                    "rule": "always-review",
                    "justification": "j",
                    "expires_at": "2099-01-01T00:00:00Z",
                }
            },
            201,
            {},
        ),
        (
            "POST",
            "/models/dave-model@1/evidence",
            "evidence.add",
            {"files": {"file": ("reference.csv", ref_csv, "text/csv")}, "data": {"role": "reference"}},
            201,
            {},
        ),
        (
            "POST",
            f"/models/{CREDIT}/evidence",
            "evidence.add",
            {"files": {"file": ("reference.csv", ref_csv, "text/csv")}, "data": {"role": "reference"}},
            201,
            owner_404,
        ),
        ("POST", f"/models/{CREDIT}/gates/promote", "gate.promote", {"json": {"target": "staging"}}, 200, owner_404),
        (
            "POST",
            f"/models/{CREDIT}/gates/retrain",
            "gate.retrain",
            {"files": {"current": ("current.csv", cur_csv, "text/csv")}},
            200,
            owner_404,
        ),
        ("GET", "/ledger/entries", "ledger.read", {}, 200, {}),
        ("GET", "/ledger/verify", "ledger.read", {}, 200, {}),
        ("POST", "/ledger/checkpoints", "ledger.checkpoint", {}, 201, {}),
        ("GET", "/ledger/checkpoints/latest", "ledger.read", {}, 200, {}),
        ("GET", "/ledger/proofs/inclusion/1", "ledger.read", {}, 200, {}),
        ("GET", "/ledger/proofs/consistency", "ledger.read", {"params": {"old": 1}}, 200, {}),
        ("GET", f"/reports/models/{CREDIT}", "reports.read", {"params": {"format": "html"}}, 200, owner_404),
        (
            "GET",
            "/reports/period",
            "reports.period",
            {"params": {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "format": "html"}},
            200,
            {},
        ),
        ("GET", "/incidents", "incidents.read", {"params": {"status": "all"}}, 200, {}),
        ("GET", f"/incidents/{ctx['incident']}", "incidents.read", {}, 200, owner_404),
        ("POST", "/incidents", "incidents.open", {"json": _incident(CREDIT)}, 201, owner_404),
        ("POST", "/incidents", "incidents.open", {"json": _incident("dave-model@1")}, 201, {}),
        ("PATCH", f"/incidents/{ctx['incident']}", "incidents.update", {"json": {"actions": ["a"]}}, 200, owner_404),
        (
            "POST",
            f"/incidents/{ctx['incident']}/reports",
            "incidents.update",
            {"files": {"file": ("follow-up.txt", b"more", "text/plain")}, "data": {"kind": "follow_up"}},
            201,
            owner_404,
        ),
        # admin (first in ROLES) closes it; the risk officer then finds it closed
        (
            "POST",
            f"/incidents/{ctx['incident']}/close",
            "incidents.close",
            {"json": {"resolution": "fixed"}},
            200,
            {"risk_officer": 409},
        ),
        ("GET", "/tokens", "tokens.manage", {}, 200, {}),
        ("POST", "/tokens", "tokens.manage", {"json": {"name": "extra", "role": "ci"}}, 201, {}),
        ("POST", f"/tokens/{ctx['spare_token']}/revoke", "tokens.manage", {}, 200, {}),
        ("GET", "/webhooks", "webhooks.manage", {}, 200, {}),
        ("POST", "/webhooks", "webhooks.manage", {"json": {"url": "http://127.0.0.1:9/hook"}}, 201, {}),
        ("POST", "/webhooks/{webhook}/revoke", "webhooks.manage", {}, 200, {}),
        (
            "POST",
            f"/models/{CREDIT}/rollback",
            "stage.rollback",
            {"json": {"stage": "archived", "justification": "retired"}},
            200,
            owner_404,
        ),
    ]


def _incident(model: str) -> dict[str, Any]:
    return {"title": "harm", "category": "death_or_serious_harm", "models": [model]}


def _format(kwargs: dict[str, Any], role: str) -> dict[str, Any]:
    if "json" in kwargs and "job" in kwargs["json"]:
        job = kwargs["json"]["job"]
        return {**kwargs, "json": {**kwargs["json"], "job": {**job, "name": job["name"].format(role=role)}}}
    if "json" in kwargs and isinstance(kwargs["json"].get("version"), str):
        return {**kwargs, "json": {**kwargs["json"], "version": kwargs["json"]["version"].format(role=role)}}
    return kwargs


def test_every_route_every_role(server: Any, kit: Any) -> None:
    assert_problem, role_person = kit.problem, kit.role_person
    with server.client("ci-bot") as ci, server.client("root") as admin:
        ci.post(f"/models/{CREDIT}/gates/promote", json={"target": "production"})
        ci.post("/models/dave-model@1/gates/promote", json={"target": "production"})
        requests = {r["model"]: r["id"] for r in ci.get("/approvals").json()}
        # A second request on bob's model: another target.
        ci.post(f"/models/{CREDIT}/gates/promote", json={"target": "staging"})
        second = [r["id"] for r in ci.get("/approvals", params={"model": CREDIT}).json() if r["target"] == "staging"]
        spare = admin.post("/tokens", json={"name": "spare", "role": "ci"}).json()["id"]
        hook = admin.post("/webhooks", json={"url": "http://127.0.0.1:9/spare"}).json()["id"]
        incident = admin.post("/incidents", json=_incident(CREDIT)).json()["id"]
        filed = admin.post(f"/incidents/{incident}/reports", files={"file": ("initial.txt", b"report", "text/plain")})
        assert filed.status_code == 201, filed.text
    ctx = {
        "request": requests[CREDIT],
        "dave_request": requests["dave-model@1"],
        "request2": second[0],
        "spare_token": spare,
        "incident": incident,
    }
    seen_actions = set()
    failures = []
    with httpx.Client(base_url=server.url + "/v1", timeout=60) as anon:
        for method, path, action, kwargs, ok, overrides in _routes(server, ctx):
            path = path.replace("{webhook}", hook)
            seen_actions.add(action)
            assert_problem(anon.request(method, path, **_format(kwargs, "anon")), 401)
            for role in ROLES:
                expected = overrides.get(role, ok) if role in ROLE_MATRIX[action] else 403
                response = anon.request(
                    method, path, headers=server.ws.auth(role_person[role]), **_format(kwargs, role)
                )
                if response.status_code != expected:
                    failures.append(
                        f"{method} {path} as {role}: {response.status_code} != {expected}: {response.text[:200]}"
                    )
                elif expected >= 400:
                    forbidden_role = role not in ROLE_MATRIX[action]
                    assert_problem(response, expected, "role_forbidden" if forbidden_role else None)
    assert not failures, "\n".join(failures)
    assert seen_actions == set(ROLE_MATRIX), "a role-matrix action has no route in this test"
