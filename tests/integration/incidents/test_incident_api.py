"""/v1/incidents over HTTP against a real ``govern serve`` with the clock pinned 11 days after T0.

An incident the provider became aware of at T0 with category "death or serious harm" was due at
T0 + 10 days, so the server reports it overdue; one opened now is not. Errors are problem+json.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def test_incidents_over_http(inc: Any) -> None:
    now = inc.t0 + timedelta(days=11)
    server = inc.Server(inc.ws, extra_env=inc.clock(now))
    try:
        with server.client("alice") as alice, server.client("dave") as dave, server.client("root") as admin:
            old = alice.post(
                "/incidents",
                json={
                    "title": "harm",
                    "category": "death_or_serious_harm",
                    "models": ["credit-risk@1"],
                    "aware_at": inc.t0.isoformat(),
                },
            )
            assert old.status_code == 201, old.text
            old_body = old.json()
            assert old_body["deadline_days"] == 10 and old_body["overdue"] is True
            fresh = alice.post(
                "/incidents", json={"title": "new", "category": "fundamental_rights", "models": ["credit-risk@1"]}
            ).json()
            assert fresh["deadline_days"] == 15 and fresh["overdue"] is False

            overdue = alice.get("/incidents", params={"status": "overdue"}).json()
            assert [i["id"] for i in overdue] == [old_body["id"]]
            assert {i["id"] for i in alice.get("/incidents").json()} == {old_body["id"], fresh["id"]}

            # dave owns no affected model: bob's incidents do not exist for him.
            inc.problem(dave.get(f"/incidents/{old_body['id']}"), 404, "not_found")
            assert dave.get("/incidents", params={"status": "all"}).json() == []
            inc.problem(
                dave.post(
                    "/incidents", json={"title": "x", "category": "fundamental_rights", "models": ["credit-risk@1"]}
                ),
                404,
            )
            inc.problem(
                alice.post("/incidents", json={"title": "x", "category": "bad", "models": ["credit-risk@1"]}),
                400,
                "invalid_category",
            )
            inc.problem(alice.post("/incidents", json={"title": "x", "category": "bad", "models": [], "extra": 1}), 422)
            inc.problem(alice.get("/incidents/inc_nope"), 404, "incident_not_found")
            inc.problem(
                alice.post(f"/incidents/{old_body['id']}/close", json={"resolution": "x"}), 409, "incident_not_reported"
            )

            patched = alice.patch(f"/incidents/{old_body['id']}", json={"actions": ["suspended the model"]})
            assert patched.status_code == 200, patched.text
            assert patched.json()["corrective_actions"][0]["by"] == "alice"
            filed = alice.post(
                f"/incidents/{old_body['id']}/reports",
                files={"file": ("initial.pdf", b"%PDF-1.7 report", "application/pdf")},
                data={"kind": "initial"},
            )
            assert filed.status_code == 201, filed.text
            body = filed.json()
            assert body["reported_late"] is True and body["overdue"] is False
            assert body["reports"][0]["filename"] == "initial.pdf"
            assert alice.get("/incidents", params={"status": "overdue"}).json() == []

            closed = admin.post(f"/incidents/{old_body['id']}/close", json={"resolution": "retrained and redeployed"})
            assert closed.status_code == 200 and closed.json()["status"] == "closed"
            inc.problem(
                admin.post(f"/incidents/{old_body['id']}/close", json={"resolution": "again"}), 409, "incident_closed"
            )
            open_now = alice.get("/incidents", params={"model": "credit-risk@1"}).json()
            assert [i["id"] for i in open_now] == [fresh["id"]]
    finally:
        server.stop()
