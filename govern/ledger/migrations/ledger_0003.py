"""ledger: an entry's bytes in one BLOB column (``data``); ``kind`` and ``time`` stay as indexes.

Each existing row is moved to the new layout with exactly the bytes the previous verifier
hashed: ``{"actor":A,"kind":K,"payload":P,"prev":"H","seq":S,"time":"T"}`` assembled from the
stored columns (the payload as its stored bytes), its stored ``hash`` kept as it was. So an intact
ledger verifies as before, and an edited row still fails at its sequence number: the edit is
inside the bytes now. The byte assembly is written out here (not imported from the ledger room)
so this revision keeps doing what it did when the room's code changes.

On SQLite ``seq`` becomes the rowid (``INTEGER PRIMARY KEY``): reading in sequence order walks
the table's own b-tree instead of an index and a rowid lookup per entry.

Revision ID: ledger_0003
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "ledger_0003"
down_revision = "ledger_0002"
branch_labels = None
depends_on = None

_CHUNK = 5000
_json_str = json.JSONEncoder(ensure_ascii=False).encode
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _entry_bytes(seq: int, time: str, actor: str, kind: str, payload: bytes, prev: str) -> bytes:
    return (
        f'{{"actor":{_json_str(actor)},"kind":{_json_str(kind)},"payload":'.encode()
        + payload
        + f',"prev":"{prev}","seq":{seq},"time":"{time}"}}'.encode()
    )


def _rows(conn: sa.Connection, select: str) -> Any:
    """Rows in ``seq`` order, a chunk at a time (keyset: bounded memory on any size)."""
    after: Any = None
    while True:
        where = "" if after is None else "WHERE seq > :after "
        rows = conn.execute(sa.text(f"{select} {where}ORDER BY seq LIMIT {_CHUNK}"), {"after": after}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    op.add_column("ledger_entry", sa.Column("data", sa.LargeBinary(), nullable=True))
    # SQLite hands the payload over as its stored bytes, which is what the previous verifier hashed.
    payload = "CAST(payload AS BLOB)" if sqlite else "payload"
    fill = sa.text("UPDATE ledger_entry SET data = :data WHERE seq = :seq")
    for rows in _rows(conn, f"SELECT seq, time, actor, kind, {payload}, prev FROM ledger_entry"):
        batch = []
        for seq, time, actor, kind, body, prev in rows:
            if not isinstance(seq, int):
                raise RuntimeError(f"ledger_entry has a non-integer seq {seq!r}: the ledger was edited; not migrated")
            body = body.encode() if isinstance(body, str) else bytes(body)
            batch.append({"seq": seq, "data": _entry_bytes(seq, time, actor, kind, body, prev)})
        conn.execute(fill, batch)
    # On SQLite the batch rebuilds the table, with seq as INTEGER PRIMARY KEY (the rowid).
    with op.batch_alter_table("ledger_entry", recreate="auto") as batch_op:
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("actor")
        batch_op.drop_column("payload")
        batch_op.drop_column("prev")
        if sqlite:
            batch_op.alter_column("seq", existing_type=sa.BigInteger(), type_=_SEQ, autoincrement=False)
    op.create_index("ix_ledger_entry_time", "ledger_entry", ["time"], unique=False)


def downgrade() -> None:
    """Back to separate columns: each entry's fields sliced out of its bytes (no re-hashing)."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    op.drop_index("ix_ledger_entry_time", table_name="ledger_entry")
    for name, type_ in (("actor", sa.String(length=256)), ("payload", sa.Text()), ("prev", sa.String(length=64))):
        op.add_column("ledger_entry", sa.Column(name, type_, nullable=True))
    decode = json.JSONDecoder().raw_decode
    fill = sa.text("UPDATE ledger_entry SET actor = :actor, payload = :payload, prev = :prev WHERE seq = :seq")
    for rows in _rows(conn, "SELECT seq, data FROM ledger_entry"):
        batch = []
        for seq, data in rows:
            text = bytes(data).decode()
            actor, end = decode(text, 9)
            _kind, end = decode(text, end + 8)
            at = text.rfind(',"prev":"')
            batch.append({"seq": seq, "actor": actor, "payload": text[end + 11 : at], "prev": text[at + 9 : at + 73]})
        conn.execute(fill, batch)
    with op.batch_alter_table("ledger_entry", recreate="auto") as batch_op:
        for name, type_ in (("actor", sa.String(length=256)), ("payload", sa.Text()), ("prev", sa.String(length=64))):
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_column("data")
        if sqlite:
            batch_op.alter_column("seq", existing_type=_SEQ, type_=sa.BigInteger(), autoincrement=False)
