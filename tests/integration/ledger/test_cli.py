"""`govern audit ...` end to end through the real console script, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from govern import ledger
from govern.workspace import Workspace


def _append(workspace, n: int) -> None:  # type: ignore[no-untyped-def]
    with Workspace.open(workspace.path, database_url=workspace.database_url) as ws, ws.store.write() as session:
        ledger.append_batch(session, [ledger.Event("cli-test", "policy.loaded", {"pack": f"p{i}"}) for i in range(n)])


def test_audit_commands(workspace, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env, cwd = workspace.env, tmp_path

    def run(*args: str):  # type: ignore[no-untyped-def]
        return cli.run("audit", *args, env=env, cwd=cwd)

    _append(workspace, 40)
    assert run("checkpoint", "-o", "old.cp").returncode == 0
    _append(workspace, 30)
    assert run("checkpoint", "-o", "new.cp").returncode == 0
    assert run("public-key", "-o", "keys.txt").returncode == 0
    assert run("public-key", "--format", "pem", "-o", "key.pem").returncode == 0

    log = run("log", "--since", "39", "--kind", "checkpoint.signed", "--format", "json")
    assert log.returncode == 0 and [e["seq"] for e in json.loads(log.stdout)] == [41, 72]

    assert run("prove", "7", "--checkpoint", "old.cp", "-o", "incl.json").returncode == 0
    ok = run("verify-proof", "incl.json", "--checkpoint", "old.cp", "--public-key", "keys.txt")
    assert ok.returncode == 0, ok.stderr
    assert run("verify-proof", "incl.json", "--public-key", "key.pem").returncode == 0

    assert run("consistency", "40", "71", "-o", "cons.json").returncode == 0
    ok = run(
        "verify-proof", "cons.json", "--old-checkpoint", "old.cp", "--checkpoint", "new.cp", "--public-key", "keys.txt"
    )
    assert ok.returncode == 0, ok.stderr

    proof = json.loads((tmp_path / "incl.json").read_text())
    proof["path"][0] = proof["path"][0][:-1] + ("0" if proof["path"][0][-1] != "0" else "1")
    (tmp_path / "bad.json").write_text(json.dumps(proof))
    bad = run("verify-proof", "bad.json", "--checkpoint", "old.cp", "--public-key", "keys.txt")
    assert bad.returncode == 1 and "proof_invalid" in bad.stderr
    (tmp_path / "junk.json").write_text("[1, 2")
    assert run("verify-proof", "junk.json", "--public-key", "keys.txt").returncode == 2

    assert run("export", "-o", "ledger.jsonl").returncode == 0
    offline = run("verify", "--file", "ledger.jsonl", "--checkpoint", "new.cp", "--public-key", "keys.txt")
    assert offline.returncode == 0, offline.stderr

    rotated = run("rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert run("verify", "--checkpoint", "old.cp").returncode == 0
    assert run("public-key", "-o", "keys2.txt").returncode == 0
    key_list = (tmp_path / "keys2.txt").read_text()
    assert key_list.startswith("govern-key-list/v1\n") and key_list.count("\nkey ") == 2
    assert " retired-at " in key_list and " last-size 72 " in key_list
    assert run("public-key", "--format", "vkeys", "-o", "vkeys.txt").returncode == 0
    assert len((tmp_path / "vkeys.txt").read_text().splitlines()) == 2
    assert run("verify-proof", "incl.json", "--public-key", "keys2.txt").returncode == 0
    stale = run("verify-proof", "incl.json", "--public-key", "keys.txt")
    assert stale.returncode == 0  # the old key still verifies the old checkpoint
