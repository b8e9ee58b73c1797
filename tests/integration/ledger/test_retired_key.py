"""A copy of a retired key signs a checkpoint of a forged log: every offline verifier refuses it.

The real log rotates its key; someone kept a copy of the old private key and runs a second
workspace (the forged log, same origin) signing with it. Given the signed key list that
``govern audit public-key`` exports after the rotation, ``audit verify-proof --public-key``,
``audit verify --file --checkpoint --public-key`` and the database verifier all refuse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from govern_testkit import workspace_env

from govern import ledger
from govern.workspace import Workspace


def _append(ws: Workspace, n: int, tag: str) -> None:
    with ws.store.write() as session:
        ledger.append_batch(session, [ledger.Event("t", "policy.loaded", {"pack": f"{tag}{i}"}) for i in range(n)])


def test_a_checkpoint_signed_with_a_retired_key_is_refused_offline(ws, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real_env = workspace_env(ws.settings.workspace, ws.settings.database_url)

    def run(*args: str, env: dict[str, str] = real_env):  # type: ignore[no-untyped-def]
        return cli.run("audit", *args, env=env, cwd=tmp_path)

    _append(ws, 10, "real")
    honest = ledger.create_checkpoint(ws.store, ws.settings)
    stolen = tmp_path / "stolen.key"
    shutil.copy(ws.settings.key_path, stolen)  # the copy someone kept
    ledger.rotate_signing_key(ws.store, ws.settings)
    assert run("public-key", "-o", "keys.txt").returncode == 0
    keys_text = (tmp_path / "keys.txt").read_text()
    assert f"last-size {honest.size + 1} " in keys_text  # the head before the key.rotated entry

    # The forged log: same origin, its own history, checkpoints signed by the stolen old key.
    forged = Workspace.init(tmp_path / "forged" / ".govern")
    try:
        shutil.copy(stolen, forged.settings.key_path)
        _append(forged, 30, "forged")
        forged_env = workspace_env(forged.settings.workspace)
        assert run("checkpoint", "-o", "forged.cp", env=forged_env).returncode == 0
        assert run("prove", "5", "--checkpoint", "forged.cp", "-o", "forged-proof.json", env=forged_env).returncode == 0
        # The same forgery, backdated to before the rotation: it covers more than the old key ever did.
        backdated_env = {**forged_env, "GOVERN_UNSAFE_NOW": honest.time, "GOVERN_UNSAFE_TESTING": "1"}
        assert run("checkpoint", "-o", "backdated.cp", env=backdated_env).returncode == 0
        ledger.export(forged.store, tmp_path / "forged.jsonl")
    finally:
        forged.close()
    # Sanity: with the old key alone (no lifetime) the forgery verifies, which is the attack.
    (tmp_path / "old.txt").write_text(
        "".join(line.split(" ")[1] + "\n" for line in keys_text.splitlines() if " retired-at " in line)
    )
    naive = run("verify-proof", "forged-proof.json", "--public-key", "old.txt")
    assert naive.returncode == 0, naive.stderr

    refused = [
        run("verify-proof", "forged-proof.json", "--public-key", "keys.txt"),
        run("verify", "--file", "forged.jsonl", "--checkpoint", "forged.cp", "--public-key", "keys.txt"),
        run("verify", "--checkpoint", "forged.cp"),  # the database verifier knows the retirement too
        run("verify", "--file", "forged.jsonl", "--checkpoint", "backdated.cp", "--public-key", "keys.txt"),
    ]
    for result in refused:
        assert result.returncode == 1, result.stdout + result.stderr
        assert "checkpoint_key_retired" in result.stderr

    # The honest checkpoint, signed before the rotation, still verifies with the same key list.
    (tmp_path / "honest.cp").write_text(honest.text())
    assert run("verify", "--checkpoint", "honest.cp").returncode == 0


def test_key_list_is_signed_by_the_current_key(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from govern.core import GovernError

    ledger.rotate_signing_key(ws.store, ws.settings)
    text = ledger.export_key_list(ws.store, ws.settings)
    ring = ledger.KeyRing.parse(text)
    assert [k.retired is None for k in ring.keys] == [False, True]
    assert ring.keys[0].retired_size == 0 and ring.keys[1].valid_from is not None
    # Stripping the retirement (to revive the old key) breaks the current key's signature.
    tampered = "\n".join(" ".join(line.split(" ")[:4]) if " retired-at " in line else line for line in text.split("\n"))
    with pytest.raises(GovernError) as err:
        ledger.KeyRing.parse(tampered, source="keys.txt")
    assert err.value.code == "public_key_invalid"
    assert json.dumps(str(err.value))  # a located, printable message
