"""Write ``old_layout.json``: a ledger written by govern before ledger_0003 (separate columns).

Run with a checkout of the commit before ledger_0003 on the path (it was made from 0c4960b):

    PYTHONPATH=<old checkout> python tests/data/ledger/make_old_layout.py

It appends 300 entries (actors and payloads with quotes, backslashes, control characters and
non-ASCII), signs a checkpoint, rotates the signing key, appends 40 more and signs another, then
dumps every ledger table row and what that version's ``govern audit verify`` reported. The
migration test loads the rows into a database at ledger_0002 and upgrades it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from govern import ledger
from govern.workspace import Workspace

TABLES = {
    "ledger_entry": "seq, time, actor, kind, payload, prev, hash, idempotency_key",
    "ledger_head": "id, seq, hash, frontier",
    "ledger_node": "level, idx, hash",
    "ledger_checkpoint": "id, size, root, head, time, key_id, note",
    "ledger_key": "key_id, name, public_key, created, retired",
}


def _events(start: int, n: int) -> list[ledger.Event]:
    actors = ["alice", 'bob "the validator"', "ci\\runner", "zoë ✓", "tab\tand\nnewline"]
    kinds = ["evidence.added", "gate.decided", "model.registered", "approval.granted"]
    return [
        ledger.Event(
            actors[i % len(actors)],
            kinds[i % len(kinds)],
            {"i": i, "digest": f"sha256:{i:064x}", "note": 'Grüße "q" \\ \u0001 \U0001f600', "f": i / 7},
            f"key-{i}" if i % 3 == 0 else None,
        )
        for i in range(start, start + n)
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / ".govern") as ws:
        with ws.store.write() as session:
            ledger.append_batch(session, _events(0, 300))
        first = ledger.create_checkpoint(ws.store, ws.settings)
        ledger.rotate_signing_key(ws.store, ws.settings)
        with ws.store.write() as session:
            ledger.append_batch(session, _events(300, 40))
        ledger.create_checkpoint(ws.store, ws.settings)
        report = ledger.verify(ws.store)
        out: dict[str, object] = {"report": report.to_dict(), "checkpoint": first.text()}
        with ws.store.read() as session:
            for table, columns in TABLES.items():
                rows = session.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY 1, 2")).all()
                out[table] = [[v.isoformat() if hasattr(v, "isoformat") else v for v in row] for row in rows]
    path = Path(__file__).with_name("old_layout.json")
    path.write_text(json.dumps(out, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
