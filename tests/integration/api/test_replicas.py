"""Two ``govern serve`` processes on one PostgreSQL behave as one service: 200 concurrent
approvals and gate calls, duplicate votes racing each other; no double-counted approval, no 5xx,
each webhook event delivered once though both replicas deliver, and `govern audit verify` exits 0."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from govern.webhooks import WEBHOOK_KINDS

MODELS = 25
RECEIVER = Path(__file__).with_name("webhook_receiver.py")


@pytest.mark.slow
def test_two_replicas_200_concurrent_approvals_and_gates(tmp_path: Path, pg_url: str, kit: Any) -> None:
    Server = kit.Server
    from govern.demo import demo_card
    from govern.lineage import ModelSpec
    from govern.workspace import Workspace

    api_ws = kit.build_workspace(tmp_path, pg_url)
    with Workspace.open(api_ws.path, database_url=pg_url) as ws:
        ws.actor = "ci-bot"
        card = demo_card("credit-risk-lr", "1")
        for i in range(MODELS):
            ws.register_model(
                ModelSpec(
                    name=f"m{i}",
                    version="1",
                    run="train-1",
                    owner="bob",
                    tags={"use_case": "credit"},
                    use_case="credit",
                    card=card,
                )
            )
            api_ws.tokens[f"r{i}"], _ = ws.create_token(f"r{i}", "risk_officer")
            api_ws.tokens[f"v{i}"], _ = ws.create_token(f"v{i}", "validator")
    env = {"GOVERN_APPROVAL_RATE_LIMIT": "100000"}
    a, b = Server(api_ws, extra_env=env), Server(api_ws, extra_env=env)
    port, received = kit.free_port(), tmp_path / "received.jsonl"
    receiver = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(received)])
    try:
        with a.client("root") as admin:
            admin.post("/webhooks", json={"url": f"http://127.0.0.1:{port}/hook"}).raise_for_status()
        with a.client("ci-bot") as ci:
            for i in range(MODELS):
                assert (
                    ci.post(f"/models/m{i}@1/gates/promote", json={"target": "production"}).json()["outcome"]
                    == "pending_approval"
                )
            requests = {r["model"]: r["id"] for r in ci.get("/approvals").json()}
        calls = []
        for i in range(MODELS):
            rid = requests[f"m{i}@1"]
            for person in (f"r{i}", f"v{i}", f"r{i}", f"v{i}"):  # each approver twice, racing itself
                calls.append(("vote", person, f"/approvals/{rid}/approve"))
            for _ in range(4):
                calls.append(("gate", "ci-bot", f"/models/m{i}@1/gates/promote"))
        assert len(calls) == 200
        random.Random(1).shuffle(calls)
        clients = {
            (srv.url, p): httpx.Client(base_url=srv.url + "/v1", headers=api_ws.auth(p), timeout=120)
            for srv in (a, b)
            for p in {c[1] for c in calls}
        }

        def call(n: int) -> tuple[str, int, dict]:  # type: ignore[type-arg]
            what, person, path = calls[n]
            srv = (a, b)[n % 2]
            body = {"justification": "looks fine"} if what == "vote" else {"target": "production"}
            response = clients[(srv.url, person)].post(path, json=body)
            return what, response.status_code, response.json()

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(call, range(len(calls))))
        for client in clients.values():
            client.close()
        statuses = Counter((what, status) for what, status, _ in results)
        assert all(status < 500 for _, status, _ in results), statuses
        # Each approver's second vote is refused (409), whichever replica took it.
        assert statuses[("vote", 200)] == 2 * MODELS and statuses[("vote", 409)] == 2 * MODELS, statuses
        assert {body["code"] for what, status, body in results if what == "vote" and status == 409} <= {
            "approval_duplicate",
            "write_conflict",
        }
        assert statuses[("gate", 200)] == 4 * MODELS, [
            body for what, status, body in results if status >= 400 and what == "gate"
        ]

        with b.client("audrey") as auditor, b.client("ci-bot") as ci:
            for i in range(MODELS):
                view = auditor.get(f"/approvals/{requests[f'm{i}@1']}").json()
                assert sorted(v["approver"] for v in view["votes"]) == [f"r{i}", f"v{i}"]
                assert view["status"] == "approved"
                assert (
                    ci.post(f"/models/m{i}@1/gates/promote", json={"target": "production"}).json()["outcome"] == "allow"
                )
            granted = Counter(
                (e["payload"]["request"], e["actor"])
                for e in auditor.get("/ledger/entries", params={"kind": "approval.granted", "limit": 1000}).json()
            )
            assert len(granted) == 2 * MODELS and set(granted.values()) == {1}
            events = [
                e for e in auditor.get("/ledger/entries", params={"limit": 1000}).json() if e["kind"] in WEBHOOK_KINDS
            ]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_seqs(received)) < len(events):
            time.sleep(0.2)
        delivered = Counter(_seqs(received))
        assert set(delivered) == {e["seq"] for e in events}
        assert set(delivered.values()) == {1}, "an event was delivered twice without any failure"
    finally:
        receiver.kill()
        receiver.wait()
        a.stop()
        b.stop()
    verify = subprocess.run([*kit.govern_exe(), "audit", "verify"], env=api_ws.env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _seqs(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [json.loads(json.loads(line)["body"])["seq"] for line in path.read_text().splitlines() if line.strip()]
