"""ledger_0003 on a ledger written with the previous layout (separate columns), on both backends.

``tests/data/ledger/old_layout.json`` holds every ledger row that govern wrote before ledger_0003
(``make_old_layout.py`` beside it) and what its verifier reported. The rows are loaded into a
database at ledger_0002, the schema upgraded, and the new verifier must report the same tree, the
same checkpoints, and an edit made before the upgrade at the same sequence number.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from govern import ledger
from govern.core import VerificationError
from govern.workspace import Workspace

DATA = json.loads((Path(__file__).parents[2] / "data" / "ledger" / "old_layout.json").read_text(encoding="utf-8"))
COLUMNS = {
    "ledger_entry": ["seq", "time", "actor", "kind", "payload", "prev", "hash", "idempotency_key"],
    "ledger_head": ["id", "seq", "hash", "frontier"],
    "ledger_node": ["level", "idx", "hash"],
    "ledger_checkpoint": ["id", "size", "root", "head", "time", "key_id", "note"],
    "ledger_key": ["key_id", "name", "public_key", "created", "retired"],
}


def _alembic(ws: Workspace, action: str, target: str) -> None:
    from alembic import command

    with ws.store.engine.begin() as conn:
        getattr(command, action)(ws.store._alembic_config(conn), target)


def _old_ledger(ws: Workspace, edit: Any = None) -> None:
    """The database at ledger_0002 holding exactly the old rows (``edit`` may change them first)."""
    from datetime import datetime

    _alembic(ws, "downgrade", "ledger_0002")
    with ws.store.write() as session:
        for table, columns in COLUMNS.items():
            session.execute(sa.text(f"DELETE FROM {table}"))
            rows = [dict(zip(columns, row, strict=True)) for row in DATA[table]]
            if table == "ledger_key":
                for row in rows:
                    for c in ("created", "retired"):
                        row[c] = row[c] and datetime.fromisoformat(row[c])
            if edit is not None:
                edit(table, rows)
            marks = ", ".join(f":{c}" for c in columns)
            session.execute(sa.text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"), rows)


def test_old_ledger_verifies_the_same_after_the_upgrade(ws: Workspace) -> None:
    _old_ledger(ws)
    ws.store.migrate()
    checkpoint = ledger.parse_checkpoint(DATA["checkpoint"])
    for workers in (1, 2):
        report = ledger.verify(ws.store, checkpoint=checkpoint, workers=workers)
        assert report.to_dict() == DATA["report"]
    with ws.store.read() as session:
        entries = list(ledger.iter_entries(session))
        rotated = list(ledger.iter_entries(session, kind="key.rotated"))
    old = {row[0]: row for row in DATA["ledger_entry"]}
    for e in entries:
        _seq, time, actor, kind, payload, prev, digest, key = old[e.seq]
        assert (e.time, e.actor, e.kind, e.payload_text, e.prev, e.hash, e.idempotency_key) == (
            time,
            actor,
            kind,
            payload,
            prev,
            digest,
            key,
        )
    assert [e.seq for e in rotated] == [302]
    # and the ledger goes on: a new entry chains to the migrated head and frontier
    with ws.store.write() as session:
        ledger.append(session, actor="after", kind="gate.decided", payload={"outcome": "allow"})
    report = ledger.verify(ws.store, checkpoint=checkpoint)
    assert (report.size, report.checkpoints) == (344, [300, 342])


def test_an_edit_made_before_the_upgrade_is_still_found(ws: Workspace) -> None:
    def edit(table: str, rows: list[dict[str, Any]]) -> None:
        if table == "ledger_entry":
            rows[99]["payload"] = rows[99]["payload"].replace('"i":99', '"i":98')

    _old_ledger(ws, edit)
    ws.store.migrate()
    with pytest.raises(VerificationError) as err:
        ledger.verify(ws.store)
    assert (err.value.code, err.value.seq) == ("ledger_hash_mismatch", 100)


def test_the_downgrade_gives_the_old_rows_back(ws: Workspace) -> None:
    _old_ledger(ws)
    ws.store.migrate()
    _alembic(ws, "downgrade", "ledger_0002")
    with ws.store.read() as session:
        rows = session.execute(sa.text(f"SELECT {', '.join(COLUMNS['ledger_entry'])} FROM ledger_entry ORDER BY seq"))
        assert [list(r) for r in rows] == DATA["ledger_entry"]
    ws.store.migrate()
    assert ledger.verify(ws.store).to_dict() == DATA["report"]
