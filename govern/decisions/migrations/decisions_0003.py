"""decisions: promotion targets by name (e.g. an MLflow alias) and which version holds each.

Revision ID: decisions_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "decisions_0003"
down_revision = "decisions_0002"
branch_labels = None
depends_on = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "target_holder",
        sa.Column("id", BIGINT_PK, nullable=False),
        sa.Column("model_name", sa.String(length=512), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("model_node_id", sa.BigInteger(), nullable=False),
        sa.Column("model_ref", sa.String(length=700), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.ForeignKeyConstraint(["model_node_id"], ["node.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_target_holder_name_target", "target_holder", ["model_name", "target"])


def downgrade() -> None:
    op.drop_index("ix_target_holder_name_target", table_name="target_holder")
    op.drop_table("target_holder")
