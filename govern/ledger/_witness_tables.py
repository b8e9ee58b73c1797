"""Witness tables: the witnesses a ledger submits checkpoints to, and the cosignatures they returned.

Kept apart from the other ledger tables (store/_ledger.py) so they can move with them. Times are
RFC 3339 text and cosignature timestamps POSIX seconds, as the witness signed them. A
cosignature row keeps the whole cosigned note (the checkpoint with the witness's signature line),
so it can be checked again with nothing but the witness's public key.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


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
