"""Witnesses: govern's tlog-witness client against a spec-following witness on loopback, and the
recorded requests and answers of a real witness (litewitness) replayed against that witness.

The attack the witness exists for: someone with write access to the database rewrites the log
and replaces the keys after a witness cosigned a checkpoint. Without a witness policy the
rewritten database verifies (it is self-consistent); with it, verification fails and names the
witness and the size it cosigned; the witness refuses to cosign the forgery.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from govern_testkit import workspace_env
from tlog_witness import LoopbackWitness, WitnessServer

from govern import ledger
from govern.workspace import Workspace

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "litewitness" / "litewitness.txt"


def _txtar(text: str) -> dict[str, str]:
    parts = re.split(r"^-- (.+) --$\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_litewitness_recorded_exchanges_replay_against_the_test_witness() -> None:
    """Every add-checkpoint request litewitness's test sends gets the answer litewitness gave.

    One deliberate difference: litewitness answered an unknown origin with 403 when the fixture was
    recorded; the current tlog-witness spec (which the test witness follows) says 404.
    """
    files = _txtar(FIXTURE.read_text(encoding="utf-8"))
    key = serialization.load_ssh_private_key(files["witness_key.pem"].encode(), password=None)
    log_public = bytes.fromhex("ffdc2d4d98e4124d3feaf788c0c2f9abfd796083d1f0495437f302ec79cf100f")
    origin = f"sigsum.org/v1/tree/{hashlib.sha256(log_public).hexdigest()}"
    witness = LoopbackWitness("example.com/witness", key=key)  # type: ignore[arg-type]
    witness.trust(origin, origin, log_public)
    exchanges = re.findall(
        r"POST http://localhost:7380/add-checkpoint\n```\n(.*?)```\nHTTP (\d+)\n\[Asserts\]\n(.*?)\n\n",
        files["add-checkpoint.hurl"] + "\n\n",
        flags=re.S,
    )
    assert len(exchanges) == 9
    wkey = ledger.WitnessKey.parse(witness.vkey())
    with WitnessServer(witness) as url:
        for body, status, asserts in exchanges:
            got, answer = _post(url, body.encode())
            expected = int(status)
            if expected == 403 and "unknown log" in asserts:
                expected = 404
            assert got == expected, (body, answer)
            for kind, value in re.findall(r'body (contains|==) "(.*)"', asserts):
                value = value.replace("\\n", "\n")
                assert value in answer if kind == "contains" else answer == value
            if got == 200:  # govern's cosignature check accepts the witness's answer
                note = body.partition("\n\n")[2]
                cp = ledger.parse_checkpoint(note + answer) if "\nhead " in note else None
                assert cp is None  # sigsum checkpoints carry no govern extension lines
                timestamp = _cosignature_timestamp(wkey, note, answer)
                assert timestamp > 0


def _cosignature_timestamp(key: ledger.WitnessKey, note: str, line: str) -> int:
    """Check a cosignature line over any checkpoint note with govern's cosignature/v1 message."""
    from govern.ledger import PublicKey

    body = note.partition("\n\n")[0] + "\n"
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[:4].hex() == key.key_id
    timestamp = int.from_bytes(blob[4:12], "big")
    message = ledger.cosignature_message(body, timestamp)
    assert PublicKey(key.name, key.key_id, key.public).verify(message, blob[12:])
    return timestamp


def _append(ws: Workspace, n: int, tag: str) -> None:
    with ws.store.write() as session:
        ledger.append_batch(session, [ledger.Event("t", "policy.loaded", {"pack": f"{tag}{i}"}) for i in range(n)])


def _log_key(ws: Workspace) -> ledger.PublicKey:
    return ledger.load_signing_key(ws.settings.key_path, name=ws.settings.origin).public


@pytest.fixture
def witnessed(ws, cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A workspace with a witness on loopback that cosigned two checkpoints (sizes 21 and 52)."""
    witness = LoopbackWitness("witness.test/w1")
    key = _log_key(ws)
    witness.trust(ws.settings.origin, key.name, key.public)
    env = workspace_env(ws.settings.workspace, ws.settings.database_url)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return cli.run("audit", *args, env=env, cwd=tmp_path)

    with WitnessServer(witness) as url:
        added = run("witness", "add", url, witness.vkey())
        assert added.returncode == 0, added.stderr
        _append(ws, 20, "a")
        first = run("checkpoint", "-o", "cp1.txt")
        assert first.returncode == 0, first.stderr
        _append(ws, 29, "b")
        second = run("checkpoint", "-o", "cp2.txt")
        assert second.returncode == 0, second.stderr
        (tmp_path / "policy.txt").write_text(f"# one witness\nwitness w1 {witness.vkey()}\nquorum w1\n")
        yield ws, witness, run, url


def test_checkpoints_are_cosigned_and_the_policy_is_met(witnessed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, witness, run, _url = witnessed
    cp1 = (tmp_path / "cp1.txt").read_text()
    cp2 = ledger.read_checkpoint(tmp_path / "cp2.txt")
    assert "\u2014 witness.test/w1 " in cp1
    assert [s for s, _ in witness.requests] == [200, 200]
    assert witness.latest[ws.settings.origin][0] == cp2.size == 52  # 20 + 1 + witnessed + 29 + 1
    # The second submission carried a consistency proof from the size the witness held (21).
    with ws.store.read() as session:
        assert [w.size for w in ledger.list_witnesses(session)] == [52]
        assert [cp.size for _, cp in ledger.stored_cosignatures(session)] == [21, 52]
    listed = run("witness", "list")
    assert listed.returncode == 0 and "witness.test/w1" in listed.stdout and "size 52" in listed.stdout

    ok = run("verify", "--witness-policy", "policy.txt")
    assert ok.returncode == 0, ok.stderr
    assert "witnessed: w1 cosigned the log at size 52" in ok.stdout
    # Offline: the exported log, the cosigned checkpoint file, the key list and the policy.
    assert run("export", "-o", "log.jsonl").returncode == 0
    assert run("public-key", "-o", "keys.txt").returncode == 0
    offline = run(
        "verify", "--file", "log.jsonl", "--checkpoint", "cp2.txt", "--public-key", "keys.txt",
        "--witness-policy", "policy.txt",
    )  # fmt: skip
    assert offline.returncode == 0, offline.stderr

    other = LoopbackWitness("witness.test/w2")
    (tmp_path / "two.txt").write_text(
        f"witness w1 {witness.vkey()}\nwitness w2 {other.vkey()}\ngroup both all w1 w2\nquorum both\n"
    )
    unmet = run("verify", "--witness-policy", "two.txt")
    assert unmet.returncode == 1 and "witness_quorum_unmet" in unmet.stderr and "2 of w1, w2" in unmet.stderr
    (tmp_path / "bad.txt").write_text(f"witness w1 {witness.vkey()}\ngroup g 3 w1\nquorum g\n")
    bad = run("verify", "--witness-policy", "bad.txt")
    assert bad.returncode == 2 and "bad.txt:2" in bad.stderr and "witness_policy_invalid" in bad.stderr

    removed = run("witness", "remove", "witness.test/w1")
    assert removed.returncode == 0, removed.stderr
    assert run("witness", "list").stdout == ""
    assert run("verify", "--witness-policy", "policy.txt").returncode == 0  # cosignatures stay


def _rewrite_with_new_keys(ws: Workspace, *, keep_cosignatures: bool) -> None:
    """What a database writer can do: a new history of the same shape, new keys, re-signed checkpoints."""
    with ws.store.write() as session:
        for table in ("ledger_entry", "ledger_node", "ledger_checkpoint", "ledger_key"):
            session.execute(sa.text(f"DELETE FROM {table}"))
        if not keep_cosignatures:
            session.execute(sa.text("DELETE FROM ledger_cosignature"))
        session.execute(sa.text("UPDATE ledger_head SET seq = 0, hash = :z, frontier = ''"), {"z": "0" * 64})
    ws.settings.key_path.unlink()
    ledger.init_keys(ws.store, ws.settings)
    _append(ws, 40, "forged")
    ledger.create_checkpoint(ws.store, ws.settings)
    _append(ws, 20, "forged-more")
    ledger.create_checkpoint(ws.store, ws.settings)


def test_a_log_rewritten_with_new_keys_fails_the_witness_policy(witnessed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, witness, run, _url = witnessed
    _rewrite_with_new_keys(ws, keep_cosignatures=True)
    assert run("verify").returncode == 0  # self-consistent: without a witness the forgery passes

    failed = run("verify", "--witness-policy", "policy.txt")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "ledger_witness_inconsistent" in failed.stderr
    assert "cosigned by witness w1" in failed.stderr and "size 21" in failed.stderr

    # The witness does not cosign the forgery: it does not know the new key.
    again = run("checkpoint", "-o", "forged.cp")
    assert again.returncode == 2 and "witness_refused" in again.stderr and "403" in again.stderr
    assert witness.latest[ws.settings.origin][0] == 52


def test_deleting_the_cosignatures_leaves_the_quorum_unmet(witnessed) -> None:  # type: ignore[no-untyped-def]
    ws, _witness, run, _url = witnessed
    _rewrite_with_new_keys(ws, keep_cosignatures=False)
    failed = run("verify", "--witness-policy", "policy.txt")
    assert failed.returncode == 1 and "witness_quorum_unmet" in failed.stderr


def test_a_rewritten_log_the_witness_key_trusts_is_refused_as_inconsistent(witnessed) -> None:  # type: ignore[no-untyped-def]
    """Even with the log's own key (stolen), the witness refuses a fork: 409, then 422 on the proof."""
    ws, witness, run, _url = witnessed
    stolen = ws.settings.key_path.read_bytes()
    _rewrite_with_new_keys(ws, keep_cosignatures=True)
    ws.settings.key_path.write_bytes(stolen)  # sign the forgery with the key the witness trusts
    with ws.store.write() as session:
        session.execute(sa.text("UPDATE ledger_witness SET size = 0"))  # hide what the witness holds
    forged = run("checkpoint", "-o", "forged.cp")
    assert forged.returncode == 1, forged.stderr
    assert "witness_inconsistent" in forged.stderr and "52 entries" in forged.stderr
    assert [s for s, _ in witness.requests][-2:] == [409, 422]
