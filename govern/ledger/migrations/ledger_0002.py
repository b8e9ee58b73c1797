"""ledger: witnesses and their cosignatures.

Revision ID: ledger_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_witness",
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("added", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "ledger_cosignature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("witness", sa.String(length=256), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ledger_cosignature_witness"), "ledger_cosignature", ["witness"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_cosignature_witness"), table_name="ledger_cosignature")
    op.drop_table("ledger_cosignature")
    op.drop_table("ledger_witness")
