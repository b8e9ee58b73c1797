"""Webhooks: a receiver on loopback gets every decision/approval event with a valid signature;
killed (SIGKILL) and restarted, it still gets every event; the dead subscriber never slows a
decision."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from govern.webhooks import WEBHOOK_KINDS, verify_signature

RECEIVER = Path(__file__).with_name("webhook_receiver.py")


def _start(port: int, out: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(out)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("receiver did not start")


def _received(out: Path) -> list[dict]:  # type: ignore[type-arg]
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def _wait_for(out: Path, seqs: set[int], timeout: float = 45.0) -> list[dict]:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = _received(out)
        if seqs <= {json.loads(r["body"])["seq"] for r in got}:
            return got
        time.sleep(0.2)
    raise AssertionError(f"missing events {sorted(seqs - {json.loads(r['body'])['seq'] for r in _received(out)})}")


def test_webhooks_signed_and_delivered_after_receiver_restart(server: Any, kit: Any, tmp_path: Path) -> None:
    port, out = kit.free_port(), tmp_path / "received.jsonl"
    receiver = _start(port, out)
    try:
        with (
            server.client("root") as admin,
            server.client("ci-bot") as ci,
            server.client("alice") as alice,
            server.client("carol") as carol,
            server.client("audrey") as auditor,
        ):
            sub = admin.post("/webhooks", json={"url": f"http://127.0.0.1:{port}/hook"}).json()
            since = auditor.get("/ledger/entries", params={"limit": 1000}).json()[-1]["seq"]
            request = ci.post("/models/credit-risk@1/gates/promote", json={"target": "production"}).json()
            assert request["outcome"] == "pending_approval"
            first = {
                e["seq"]
                for e in auditor.get("/ledger/entries", params={"since": since}).json()
                if e["kind"] in WEBHOOK_KINDS  # the gate also ledgers policy.loaded, which is not pushed
            }
            _wait_for(out, first)

            receiver.kill()  # SIGKILL: no goodbye
            receiver.wait()
            rid = ci.get("/approvals").json()[0]["id"]
            for client, who in ((alice, "risk"), (carol, "validation")):
                started = time.monotonic()
                assert client.post(f"/approvals/{rid}/approve", json={"justification": who}).status_code == 200
                assert time.monotonic() - started < 2.0, "a dead subscriber slowed an approval"
            assert (
                ci.post("/models/credit-risk@1/gates/promote", json={"target": "production"}).json()["outcome"]
                == "allow"
            )
            time.sleep(1.5)  # let deliveries fail at least once while the receiver is down
            receiver = _start(port, out)

            entries = auditor.get("/ledger/entries", params={"since": since}).json()
            expected = {e["seq"] for e in entries if e["kind"] in WEBHOOK_KINDS}
            assert {e["kind"] for e in entries} >= {
                "gate.decided",
                "approval.requested",
                "approval.granted",
                "stage.changed",
            }
            got = _wait_for(out, expected)
            hooks = admin.get("/webhooks").json()
    finally:
        receiver.kill()
        receiver.wait()
    by_seq = {}
    for record in got:
        body = record["body"].encode("utf-8")
        verify_signature(sub["secret"], record["headers"]["govern-signature"], body)
        event = json.loads(body)
        assert record["headers"]["govern-event-id"] == event["id"] == f"evt_{event['seq']}"
        by_seq[event["seq"]] = event
    assert set(by_seq) == expected
    assert [by_seq[e["seq"]]["hash"] for e in entries if e["seq"] in expected] == [
        e["hash"] for e in entries if e["seq"] in expected
    ]
    assert hooks[0]["deliveries"]["dead"] == 0
