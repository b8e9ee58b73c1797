"""`govern approvals` acts through the API when GOVERN_URL and GOVERN_TOKEN are set: same output,
same exit codes as acting on the workspace directly."""

from __future__ import annotations

import json
import subprocess
from typing import Any


def _cli(server: Any, *args: str, person: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(server.ws.env)
    if person is not None:
        env |= {"GOVERN_URL": server.url, "GOVERN_TOKEN": server.ws.tokens[person]}
    return subprocess.run([*server.exe, *args], env=env, capture_output=True, text=True, timeout=120)


def test_approvals_cli_through_api(server: Any) -> None:
    with server.client("ci-bot") as ci:
        assert ci.post("/models/credit-risk@1/gates/promote", json={"target": "production"}).status_code == 200
    local = _cli(server, "approvals", "list", "--format", "json")
    remote = _cli(server, "approvals", "list", "--format", "json", person="alice")
    assert remote.returncode == local.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    rid = json.loads(local.stdout)[0]["id"]
    assert (
        _cli(server, "approvals", "show", rid, person="carol").stdout == _cli(server, "approvals", "show", rid).stdout
    )

    refused = _cli(server, "approvals", "approve", rid, "--justification", "mine", person="bob")
    assert refused.returncode == 2 and "sod_owner_conflict" in refused.stderr and "Traceback" not in refused.stderr
    done = _cli(server, "approvals", "approve", rid, "--justification", "fine", person="alice")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"approved {rid} as alice: request open (1/2 approvals)")
    twice_remote = _cli(server, "approvals", "approve", rid, "--justification", "again", person="alice")
    twice_local = subprocess.run(  # locally, with alice's own token and no API URL
        [*server.exe, "approvals", "approve", rid, "--justification", "again", "--as", "alice"],
        env=dict(server.ws.env, GOVERN_TOKEN=server.ws.tokens["alice"]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert twice_remote.returncode == twice_local.returncode == 2
    assert twice_remote.stderr == twice_local.stderr  # "govern: approval_duplicate: ..."
    unknown = _cli(server, "approvals", "show", "apr_nope", person="alice")
    assert unknown.returncode == 2 and unknown.stderr == _cli(server, "approvals", "show", "apr_nope").stderr
