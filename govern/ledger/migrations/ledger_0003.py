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


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("seq", _SEQ, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=f"pk_{name}"),
        sa.UniqueConstraint("idempotency_key", name=f"uq_{name}_idempotency_key"),
    )


def _chunks(conn: sa.Connection, select: str) -> Any:
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
    _create("ledger_entry_new")
    # SQLite hands the payload over as its stored bytes, which is what the previous verifier hashed.
    payload = "CAST(payload AS BLOB)" if sqlite else "payload"
    select = f"SELECT seq, time, actor, kind, {payload}, prev, hash, idempotency_key FROM ledger_entry"
    insert = sa.text(
        "INSERT INTO ledger_entry_new (seq, kind, time, data, hash, idempotency_key) "
        "VALUES (:seq, :kind, :time, :data, :hash, :key)"
    )
    for rows in _chunks(conn, select):
        batch = []
        for seq, time, actor, kind, body, prev, digest, key in rows:
            if not isinstance(seq, int):
                raise RuntimeError(f"ledger_entry has a non-integer seq {seq!r}: the ledger was edited; not migrated")
            body = body.encode() if isinstance(body, str) else bytes(body)
            data = _entry_bytes(seq, time, actor, kind, body, prev)
            batch.append({"seq": seq, "kind": kind, "time": time, "data": data, "hash": digest, "key": key})
        conn.execute(insert, batch)
    op.drop_index("ix_ledger_entry_kind_seq", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.rename_table("ledger_entry_new", "ledger_entry")
    op.create_index("ix_ledger_entry_kind_seq", "ledger_entry", ["kind", "seq"], unique=False)
    op.create_index("ix_ledger_entry_time", "ledger_entry", ["time"], unique=False)


def downgrade() -> None:
    """Back to separate columns: each entry's fields sliced out of its bytes (no re-hashing)."""
    conn = op.get_bind()
    op.create_table(
        "ledger_entry_old",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("idempotency_key"),
    )
    decode = json.JSONDecoder().raw_decode
    insert = sa.text(
        "INSERT INTO ledger_entry_old (seq, time, actor, kind, payload, prev, hash, idempotency_key) "
        "VALUES (:seq, :time, :actor, :kind, :payload, :prev, :hash, :key)"
    )
    for rows in _chunks(conn, "SELECT seq, time, data, hash, idempotency_key FROM ledger_entry"):
        batch = []
        for seq, time, data, digest, key in rows:
            text = bytes(data).decode()
            actor, end = decode(text, 9)
            kind, end = decode(text, end + 8)
            at = text.rfind(',"prev":"')
            batch.append(
                {
                    "seq": seq,
                    "time": time,
                    "actor": actor,
                    "kind": kind,
                    "payload": text[end + 11 : at],
                    "prev": text[at + 9 : at + 73],
                    "hash": digest,
                    "key": key,
                }
            )
        conn.execute(insert, batch)
    op.drop_index("ix_ledger_entry_time", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_kind_seq", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.rename_table("ledger_entry_old", "ledger_entry")
    op.create_index("ix_ledger_entry_kind_seq", "ledger_entry", ["kind", "seq"], unique=False)
