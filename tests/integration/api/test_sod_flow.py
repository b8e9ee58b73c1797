"""Separation of duties over HTTP: owner refused, same officer twice 409, two approvers then allow."""

from __future__ import annotations

from typing import Any


def test_sod_flow_over_http(server: Any, kit: Any) -> None:
    assert_problem = kit.problem
    with (
        server.client("ci-bot") as ci,
        server.client("bob") as bob,
        server.client("alice") as alice,
        server.client("carol") as carol,
    ):
        first = ci.post("/models/credit-risk@1/gates/promote", json={"target": "production"})
        assert first.status_code == 200, first.text
        decision = first.json()
        assert decision["outcome"] == "pending_approval"
        assert decision["exit_code"] == 3
        pending = alice.get("/approvals").json()
        assert [p["model"] for p in pending] == ["credit-risk@1"]
        request_id = pending[0]["id"]

        assert_problem(
            bob.post(f"/approvals/{request_id}/approve", json={"justification": "mine"}), 403, "sod_owner_conflict"
        )
        assert alice.post(f"/approvals/{request_id}/approve", json={"justification": "fair"}).status_code == 200
        assert_problem(
            alice.post(f"/approvals/{request_id}/approve", json={"justification": "again"}), 409, "approval_duplicate"
        )
        assert (
            ci.post("/models/credit-risk@1/gates/promote", json={"target": "production"}).json()["outcome"]
            == "pending_approval"
        )
        done = carol.post(f"/approvals/{request_id}/approve", json={"justification": "validated"})
        assert done.status_code == 200 and done.json()["status"] == "approved"

        final = ci.post("/models/credit-risk@1/gates/promote", json={"target": "production"}).json()
        assert final["outcome"] == "allow"
        assert ci.get("/models/credit-risk@1").json()["stage"] == "production"
        with server.client("audrey") as auditor:
            assert auditor.get("/ledger/verify").json()["intact"] is True
            pdf = auditor.get("/reports/models/credit-risk@1")
            assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
            assert pdf.content.startswith(b"%PDF")
