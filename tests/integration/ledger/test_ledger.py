"""The ledger contract, run on SQLite and PostgreSQL (``db_url``): appends, tampering, proofs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern import ledger
from govern.core import GovernError, VerificationError
from govern.ledger import Event, Frontier
from govern.workspace import Workspace

N = 5100
TARGET = 5000


def _fill(ws: Workspace, n: int, *, start: int = 0) -> None:
    with ws.store.write() as session:
        ledger.append_batch(
            session,
            [
                Event("tester", "evidence.added", {"i": i, "digest": f"sha256:{i:064x}"})
                for i in range(start, start + n)
            ],
        )


def _sql(ws: Workspace, statement: str, **params: object) -> None:
    with ws.store.write() as session:
        session.execute(sa.text(statement), params)


def _verify_error(ws: Workspace, **kwargs: object) -> VerificationError:
    """The failure ``verify`` reports, the same in this process and with two worker processes."""
    errors = []
    for workers in (1, 2):
        with pytest.raises(VerificationError) as err:
            ledger.verify(ws.store, workers=workers, **kwargs)  # type: ignore[arg-type]
        errors.append(err.value)
    assert [(e.code, e.seq, e.message) for e in errors[1:]] == [(errors[0].code, errors[0].seq, errors[0].message)]
    return errors[0]


def _edit(ws: Workspace, seq: int, old: str, new: str) -> None:
    """Edit the stored bytes of entry ``seq`` in place (its stored hash left as it was)."""
    with ws.store.write() as session:
        data = session.execute(sa.text("SELECT data FROM ledger_entry WHERE seq = :s"), {"s": seq}).scalar_one()
        assert old.encode() in data
        edited = bytes(data).replace(old.encode(), new.encode())
        session.execute(sa.text("UPDATE ledger_entry SET data = :d WHERE seq = :s"), {"d": edited, "s": seq})


# -- appending -------------------------------------------------------------------------------


def test_entries_chain_from_genesis(ws: Workspace) -> None:
    with ws.store.write() as session:
        first = ledger.append(session, actor="alice", kind="model.registered", payload={"ref": "m@1"})
        second = ledger.append(session, actor="bob", kind="gate.decided", payload={"outcome": "allow"})
    assert (first.seq, first.prev) == (1, ledger.GENESIS)
    assert (second.seq, second.prev) == (2, first.hash)
    assert first.hash == hashlib.sha256(first.canonical_bytes()).hexdigest()
    report = ledger.verify(ws.store)
    assert (report.size, report.head) == (2, second.hash)


def test_append_rolls_back_with_the_callers_transaction(ws: Workspace) -> None:
    with pytest.raises(RuntimeError), ws.store.write() as session:
        ledger.append(session, actor="alice", kind="gate.decided", payload={"outcome": "allow"})
        raise RuntimeError("the state change failed")
    with ws.store.read() as session:
        assert ledger.read_head(session).seq == 0
        assert ledger.get_entry(session, 1) is None


def test_failed_append_fails_the_callers_state_change(ws: Workspace) -> None:
    with pytest.raises(GovernError) as err, ws.store.write() as session:
        session.execute(
            sa.text("INSERT INTO ingested_event (digest, source, ingested_at) VALUES ('d', 's', CURRENT_TIMESTAMP)")
        )
        ledger.append(session, actor="alice", kind="gate.allowed.anyway", payload={})
    assert err.value.code == "ledger_kind_unknown"
    with ws.store.read() as session:
        assert session.execute(sa.text("SELECT COUNT(*) FROM ingested_event")).scalar() == 0


def test_same_idempotency_key_yields_the_first_entry(ws: Workspace) -> None:
    with ws.store.write() as session:
        first = ledger.append(session, actor="ci", kind="gate.decided", payload={"n": 1}, idempotency_key="req-1")
    with ws.store.write() as session:
        again = ledger.append(session, actor="ci", kind="gate.decided", payload={"n": 1}, idempotency_key="req-1")
        batch = ledger.append_batch(
            session, [Event("ci", "gate.decided", {"n": 2}, "req-2"), Event("ci", "gate.decided", {"n": 2}, "req-2")]
        )
    assert again == first
    assert batch[0] == batch[1] and batch[0].seq == 2
    assert ledger.verify(ws.store).size == 2


def test_two_stores_appending_in_turn_keep_one_chain(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each engine remembers the head it last wrote; the other store's appends (and a rolled-back
    one) make that stale, so the compare-and-swap writes nothing and the append takes the lock."""
    from govern.ledger import _log
    from govern.store import Store

    outcomes: list[bool] = []
    cas = _log._append_cas

    def counted(*args: object) -> object:
        entry = cas(*args)  # type: ignore[arg-type]
        outcomes.append(entry is not None)
        return entry

    monkeypatch.setattr(_log, "_append_cas", counted)
    other = Store(ws.store.url)
    try:
        for i in range(8):
            with (ws.store if i % 4 < 2 else other).write() as session:
                ledger.append(session, actor="tester", kind="evidence.added", payload={"i": i})
        with pytest.raises(RuntimeError), ws.store.write() as session:
            ledger.append(session, actor="tester", kind="evidence.added", payload={"i": "rolled back"})
            raise RuntimeError("the state change failed")
        with other.write() as session:
            last = ledger.append(session, actor="tester", kind="evidence.added", payload={"i": 8})
        with ws.store.write() as session:
            after = ledger.append(session, actor="tester", kind="evidence.added", payload={"i": 9})
    finally:
        other.dispose()
    assert True in outcomes and False in outcomes  # both paths ran
    assert (last.seq, after.seq, after.prev) == (9, 10, last.hash)
    with ws.store.read() as session:
        assert [e.payload["i"] for e in ledger.iter_entries(session)] == list(range(10))
    assert ledger.verify(ws.store, workers=1).size == 10


def test_row_planted_at_the_next_seq_fails_the_fast_append_as_integrity_error(ws: Workspace) -> None:
    """The compare-and-swap runs on the DBAPI connection; its errors still reach callers (and the
    API's handlers) as SQLAlchemy's types, and fail the caller's transaction."""
    with ws.store.write() as session:
        first = ledger.append(session, actor="tester", kind="evidence.added", payload={"i": 0})
    _sql(ws, "INSERT INTO ledger_entry (seq, kind, time, data, hash) VALUES (2, 'x', 't', :d, 'h')", d=b"x")
    with pytest.raises(sa.exc.IntegrityError), ws.store.write() as session:
        ledger.append(session, actor="tester", kind="evidence.added", payload={"i": 1})
    with ws.store.read() as session:
        assert ledger.read_head(session).hash == first.hash


@pytest.mark.parametrize("payload", [{"x": float("nan")}, {"x": object()}], ids=["nan", "not_json"])
def test_payload_without_a_json_form_is_rejected(ws: Workspace, payload: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(GovernError) as err, ws.store.write() as session:
        ledger.append(session, actor="a", kind="gate.decided", payload=payload)
    assert err.value.code == "canonical_json_error"


def test_log_reading_filters(ws: Workspace) -> None:
    _fill(ws, 10)
    with ws.store.write() as session:
        ledger.append(session, actor="x", kind="stage.changed", payload={"to": "production"})
    with ws.store.read() as session:
        assert [e.seq for e in ledger.iter_entries(session, since=8, chunk=2)] == [9, 10, 11]
        assert [e.kind for e in ledger.iter_entries(session, kind="stage.changed")] == ["stage.changed"]


# -- tampering, named by what it breaks ------------------------------------------------------


@pytest.fixture
def signed(ws: Workspace) -> tuple[Workspace, ledger.Checkpoint]:
    """A ledger of N entries, a checkpoint over them (entry N + 1 records it)."""
    _fill(ws, N)
    return ws, ledger.create_checkpoint(ws.store, ws.settings)


def test_payload_byte_edited_at_5000_names_5000(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    _edit(ws, TARGET, '"i":4999', '"i":4998')
    err = _verify_error(ws)
    assert (err.code, err.seq) == ("ledger_hash_mismatch", TARGET)


def _rewrite_from(ws: Workspace, seq: int, edit: Callable[[str], str]) -> None:
    """The strong attacker: edit entry ``seq``, re-hash it and every later link, the nodes and the head."""
    with ws.store.write() as session:
        rows = session.execute(sa.text("SELECT seq, data FROM ledger_entry ORDER BY seq")).all()
        frontier, prev = Frontier(), ledger.GENESIS
        session.execute(sa.text("DELETE FROM ledger_node"))
        for row in rows:
            e = ledger.get_entry(session, row.seq)
            assert e is not None
            payload = edit(e.payload_text) if row.seq == seq else e.payload_text
            data = ledger.entry_bytes(row.seq, e.time, e.actor, e.kind, payload, prev)
            h = hashlib.sha256(data).hexdigest()
            if row.seq >= seq:
                session.execute(
                    sa.text("UPDATE ledger_entry SET data = :d, hash = :h WHERE seq = :s"),
                    {"d": data, "h": h, "s": row.seq},
                )
            for level, idx, node in frontier.push(ledger.leaf_hash(bytes.fromhex(h))):
                if level % 8 == 0:
                    session.execute(
                        sa.text("INSERT INTO ledger_node (level, idx, hash) VALUES (:l, :i, :h)"),
                        {"l": level, "i": idx, "h": node.hex()},
                    )
            prev = h
        session.execute(
            sa.text("UPDATE ledger_head SET seq = :s, hash = :h, frontier = :f"),
            {"s": frontier.size, "h": prev, "f": frontier.dump()},
        )


def test_entry_5000_rewritten_and_rehashed_caught_by_stored_checkpoint(
    signed: tuple[Workspace, ledger.Checkpoint],
) -> None:
    ws, _ = signed
    _rewrite_from(ws, TARGET, lambda p: p.replace('"i":4999', '"i":4998'))
    err = _verify_error(ws)
    assert err.code == "ledger_root_mismatch" and err.seq == N


def test_entry_5000_rewritten_rehashed_and_checkpoints_dropped_caught_by_checkpoint_file(
    signed: tuple[Workspace, ledger.Checkpoint],
) -> None:
    ws, checkpoint = signed
    _rewrite_from(ws, TARGET, lambda p: p.replace('"i":4999', '"i":4998'))
    _sql(ws, "DELETE FROM ledger_checkpoint")
    assert ledger.verify(ws.store).size == N + 1  # with no anchor, a full rewrite is self-consistent
    err = _verify_error(ws, checkpoint=checkpoint)
    assert err.code == "ledger_root_mismatch" and "rewritten" in err.message


def test_entry_5000_deleted_names_5000(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    _sql(ws, "DELETE FROM ledger_entry WHERE seq = 5000")
    err = _verify_error(ws)
    assert (err.code, err.seq) == ("ledger_sequence_gap", TARGET)


def test_entries_5000_and_5001_swapped_names_5000(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    _sql(ws, "UPDATE ledger_entry SET seq = -1 WHERE seq = 5000")
    _sql(ws, "UPDATE ledger_entry SET seq = 5000 WHERE seq = 5001")
    _sql(ws, "UPDATE ledger_entry SET seq = 5001 WHERE seq = -1")
    err = _verify_error(ws)  # each row's bytes still say which entry it is: 5001 is found at 5000
    assert (err.code, err.seq) == ("ledger_sequence_gap", TARGET)


def test_forged_entry_inserted_at_5000_caught_at_the_next_entry(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    _sql(ws, "UPDATE ledger_entry SET seq = -seq - 1 WHERE seq >= 5000")
    _sql(ws, "UPDATE ledger_entry SET seq = -seq WHERE seq < 0")
    with ws.store.read() as session:
        prev = ledger.get_entry(session, 4999).hash  # type: ignore[union-attr]
    t, payload = "2025-01-01T00:00:00.000000Z", '{"forged":true}'
    forged = ledger.entry_hash(5000, t, "mallory", "gate.decided", payload, prev)
    _sql(
        ws,
        "INSERT INTO ledger_entry (seq, kind, time, data, hash) VALUES (5000, 'gate.decided', :t, :d, :h)",
        t=t,
        d=ledger.entry_bytes(5000, t, "mallory", "gate.decided", payload, prev),
        h=forged,
    )
    err = _verify_error(ws)  # the old entry 5000, now in row 5001, still says it is 5000
    assert (err.code, err.seq) == ("ledger_sequence_gap", TARGET + 1)


def test_last_100_truncated_log_shorter_than_checkpoint(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, checkpoint = signed
    _sql(ws, "DELETE FROM ledger_entry WHERE seq > :n", n=N + 1 - 100)
    err = _verify_error(ws)
    assert err.code == "ledger_truncated"  # the head still remembers
    _rewrite_from(ws, 1, lambda p: p)  # the attacker fixes the head and nodes too
    _sql(ws, "DELETE FROM ledger_checkpoint")
    err = _verify_error(ws, checkpoint=checkpoint)
    assert err.code == "ledger_truncated" and "log shorter than checkpoint" in err.message
    assert err.seq == N + 1 - 100 + 1


def test_checkpoint_from_another_log_rejected(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, checkpoint = signed
    err = _verify_error(ws, checkpoint=checkpoint, origin="other.example/log")
    assert err.code == "checkpoint_origin_mismatch"


def test_verify_names_5000_from_the_cli(signed: tuple[Workspace, ledger.Checkpoint], cli: type, tmp_path: Path) -> None:
    ws, checkpoint = signed
    (tmp_path / "cp.txt").write_text(checkpoint.text(), encoding="utf-8")
    env = _env(ws)
    ok = cli.run("audit", "verify", "--checkpoint", str(tmp_path / "cp.txt"), env=env)
    assert ok.returncode == 0, ok.stderr
    _edit(ws, TARGET, "sha256:", "sha257:")
    bad = cli.run("audit", "verify", "--format", "json", env=env)
    assert bad.returncode == 1 and "entry 5000" in bad.stderr and "ledger_hash_mismatch" in bad.stderr
    missing = cli.run("audit", "verify", "--checkpoint", str(tmp_path / "none.txt"), env=env)
    assert missing.returncode == 2 and "checkpoint_unreadable" in missing.stderr


def _env(ws: Workspace) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env["GOVERN_WORKSPACE"] = str(ws.settings.workspace)
    if ws.settings.database_url:
        env["GOVERN_DATABASE_URL"] = ws.settings.database_url
    return env


# -- proofs from the store -------------------------------------------------------------------


def _leaves(ws: Workspace) -> list[bytes]:
    with ws.store.read() as session:
        return [ledger.leaf_hash(bytes.fromhex(e.hash)) for e in ledger.iter_entries(session)]


def test_stored_tree_proofs_match_the_reference(ws: Workspace) -> None:
    _fill(ws, 1300)  # crosses tile boundaries at 256 and 1024
    leaves = _leaves(ws)
    with ws.store.read() as session:
        tree = ledger._log.TreeReader(session)
        for size in (1, 255, 256, 257, 1024, 1025, 1300):
            root = ledger.reference_root(leaves[:size])
            assert ledger._merkle.range_root(0, size, tree.perfect) == root
            for index in {0, size // 2, size - 1}:
                path = ledger.inclusion_path(index, size, tree.perfect)
                ledger.verify_inclusion(index, size, leaves[index], path, root)
            for old in {1, size // 3 or 1, size}:
                path = ledger.consistency_path(old, size, tree.perfect)
                ledger.verify_consistency(old, size, ledger.reference_root(leaves[:old]), root, path)


def test_inclusion_and_consistency_proofs_verify_offline(ws: Workspace) -> None:
    _fill(ws, 300)
    old_cp = ledger.create_checkpoint(ws.store, ws.settings)
    _fill(ws, 200, start=300)
    new_cp = ledger.create_checkpoint(ws.store, ws.settings)
    keys = ledger.KeyRing.parse(ledger.trusted_keys(ws.store).dump())
    with ws.store.read() as session:
        inclusion = ledger.prove_inclusion(session, 123, checkpoint=old_cp)
        consistency = ledger.prove_consistency(session, old_cp.size, new_cp.size)
    assert ledger.verify_proof(inclusion, keys=keys)["seq"] == 123
    assert ledger.verify_proof(consistency, keys=keys)["new_size"] == new_cp.size
    forged = dict(inclusion, entry=inclusion["entry"].replace('"i":122', '"i":121'))
    with pytest.raises(VerificationError):
        ledger.verify_proof(forged, keys=keys)
    with pytest.raises(VerificationError):  # a proof for another size than the checkpoint's
        ledger.verify_proof(inclusion, keys=keys, checkpoint=new_cp)


def test_key_rotation_keeps_old_checkpoints_valid(ws: Workspace) -> None:
    _fill(ws, 10)
    old_cp = ledger.create_checkpoint(ws.store, ws.settings)
    old, new = ledger.rotate_signing_key(ws.store, ws.settings)
    new_cp = ledger.create_checkpoint(ws.store, ws.settings)
    assert old.key_id != new.key_id and new_cp.signatures[0].key_id == new.key_id
    report = ledger.verify(ws.store, checkpoint=old_cp)
    assert old_cp.size in report.checkpoints and new_cp.size in report.checkpoints
    with ws.store.read() as session:
        assert [e.kind for e in ledger.iter_entries(session, kind="key.rotated")] == ["key.rotated"]


def test_export_verifies_offline_and_detects_edits(ws: Workspace, tmp_path: Path) -> None:
    _fill(ws, 600)
    cp = ledger.create_checkpoint(ws.store, ws.settings)
    keys = ledger.trusted_keys(ws.store)
    path = tmp_path / "ledger.jsonl"
    assert ledger.export(ws.store, path) == 601
    lines = path.read_bytes().splitlines()
    with ws.store.read() as session:
        assert hashlib.sha256(lines[99]).hexdigest() == ledger.get_entry(session, 100).hash  # type: ignore[union-attr]
    assert ledger.verify_export(path, checkpoint=cp, keys=keys).size == 601
    path.write_bytes(b"\n".join(lines[:500]) + b"\n")
    with pytest.raises(VerificationError) as err:
        ledger.verify_export(path, checkpoint=cp, keys=keys)
    assert err.value.code == "ledger_truncated"
    lines[99] = lines[99].replace(b'"i":99', b'"i":98')
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(VerificationError) as err:
        ledger.verify_export(path)
    assert (err.value.code, err.value.seq) == ("ledger_link_broken", 101)


def test_kind_column_edited_at_5000_names_5000(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    _sql(ws, "UPDATE ledger_entry SET kind = 'stage.changed' WHERE seq = 5000")
    err = _verify_error(ws)  # the entry is intact, but `audit log --kind` would misfile it
    assert (err.code, err.seq) == ("ledger_index_mismatch", TARGET)


def test_time_column_edited_at_5000_names_5000(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    _sql(ws, "UPDATE ledger_entry SET time = '1999-01-01T00:00:00.000000Z' WHERE seq = 5000")
    err = _verify_error(ws)
    assert (err.code, err.seq) == ("ledger_index_mismatch", TARGET)


def test_bytes_that_are_not_an_entry_at_5000_name_5000(signed: tuple[Workspace, ledger.Checkpoint]) -> None:
    ws, _ = signed
    data = b'{"not":"an entry"}'
    digest = hashlib.sha256(data).hexdigest()
    _sql(ws, "UPDATE ledger_entry SET data = :d, hash = :h WHERE seq = 5000", d=data, h=digest)
    err = _verify_error(ws)
    assert (err.code, err.seq) == ("ledger_entry_not_canonical", TARGET)


@pytest.mark.parametrize("span", [16, 1024], ids=["nodes_merged_across_ranges", "nodes_inside_ranges"])
def test_stored_node_edited_or_missing_or_extra(
    signed: tuple[Workspace, ledger.Checkpoint], span: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = signed
    monkeypatch.setattr("govern.ledger._verify._range_size", lambda n, workers: span)
    assert ledger.verify(ws.store, workers=2).size == N + 1
    _sql(ws, "UPDATE ledger_node SET hash = :h WHERE level = 8 AND idx = 3", h="ab" * 32)
    err = _verify_error(ws)
    assert (err.code, err.seq) == ("ledger_node_mismatch", 4 * 256)
    _sql(ws, "DELETE FROM ledger_node WHERE level = 8 AND idx = 3")
    err = _verify_error(ws)
    assert (err.code, err.seq) == ("ledger_node_mismatch", 4 * 256)
    _sql(ws, "INSERT INTO ledger_node (level, idx, hash) VALUES (8, 3, :h), (8, 999, :h)", h="cd" * 32)
    with ws.store.read() as session:
        good = ledger._log.TreeReader(session)._tile(0, 3)[-1][0].hex()
    _sql(ws, "UPDATE ledger_node SET hash = :h WHERE level = 8 AND idx = 3", h=good)
    err = _verify_error(ws)
    assert err.code == "ledger_node_mismatch" and "stored Merkle nodes" in err.message


def test_ranges_in_workers_give_the_single_pass_tree(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Aligned ranges of any size, merged, reproduce the reference root and every checkpoint."""
    _fill(ws, 1000)
    cp = ledger.create_checkpoint(ws.store, ws.settings)
    _fill(ws, 333, start=1000)
    leaves = _leaves(ws)
    for span in (1, 2, 16, 256, 1 << 12):
        monkeypatch.setattr("govern.ledger._verify._range_size", lambda n, workers, span=span: span)
        for workers in (1, 2):
            report = ledger.verify(ws.store, checkpoint=cp, workers=workers)
            assert report.root == ledger.reference_root(leaves).hex() and report.checkpoints == [1000]
