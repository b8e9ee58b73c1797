"""Ledger tables: entries, the one-row head, stored Merkle nodes, checkpoints, signing keys.

An entry row keeps the exact bytes that were hashed (``data``, one BLOB), so verification reads
two columns per entry and re-hashes stored bytes; it never depends on how a database round-trips
JSON or timestamps. The head row is the lock every append takes; it also carries the
Merkle frontier (the roots of the perfect subtrees of the current tree, largest first), so the
root after an append costs O(log n). ``ledger_node`` keeps perfect-subtree hashes at levels 8,
16, 24, ... (tiles of 256, as in C2SP tlog-tiles) so proofs read a handful of short ranges.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from govern.store import BigIntPK, UTCDateTime


class LedgerEntry(SQLModel, table=True):
    """One entry: its exact entry bytes (``data``), their hash, and index copies of two fields.

    ``kind`` and ``time`` repeat what ``data`` says so they can be indexed and filtered on;
    verification checks that they agree with the bytes (``ledger_index_mismatch``). On SQLite
    ``seq`` is the rowid (``INTEGER PRIMARY KEY``), so reading in sequence order walks one b-tree.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.Index("ix_ledger_entry_kind_seq", "kind", "seq"),
        sa.Index("ix_ledger_entry_time", "time"),
    )

    seq: int = Field(sa_column=sa.Column(BigIntPK, primary_key=True, autoincrement=False))
    kind: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    time: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    idempotency_key: str | None = Field(default=None, sa_column=sa.Column(sa.String(256), unique=True, nullable=True))


class LedgerHead(SQLModel, table=True):
    """Exactly one row (id = 1), created by the migration with the genesis state."""

    __tablename__ = "ledger_head"

    id: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    frontier: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class LedgerNode(SQLModel, table=True):
    __tablename__ = "ledger_node"

    level: int = Field(sa_column=sa.Column(sa.SmallInteger, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class LedgerCheckpoint(SQLModel, table=True):
    __tablename__ = "ledger_checkpoint"

    # Integer, not BigInteger: only INTEGER PRIMARY KEY auto-numbers on SQLite.
    id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, primary_key=True))
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, index=True))
    root: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    head: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    time: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    key_id: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))
    note: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class LedgerKey(SQLModel, table=True):
    """Public halves of every signing key ever used; a retired key still verifies old checkpoints."""

    __tablename__ = "ledger_key"

    key_id: str = Field(sa_column=sa.Column(sa.String(8), primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.String(256), nullable=False))
    public_key: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    created: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    retired: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))


# --- witnesses (migration ledger_0002) ---------------------------------------------------------
# A cosignature row keeps the whole cosigned note (the checkpoint with the witness's signature
# line), so it can be checked again with nothing but the witness's public key. Times are RFC 3339
# text and cosignature timestamps POSIX seconds, as the witness signed them.
class LedgerWitness(SQLModel, table=True):
    """One configured witness: its name (the vkey's name), submission URL prefix, vkey, last size."""

    __tablename__ = "ledger_witness"

    name: str = Field(sa_column=sa.Column(sa.String(256), primary_key=True))
    url: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    vkey: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))  # the last size it cosigned
    added: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))


class LedgerCosignature(SQLModel, table=True):
    __tablename__ = "ledger_cosignature"

    id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, primary_key=True))
    witness: str = Field(sa_column=sa.Column(sa.String(256), nullable=False, index=True))
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    timestamp: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    note: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
