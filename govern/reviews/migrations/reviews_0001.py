"""reviews: initial tables (validation_finding, model_review).

Revision ID: reviews_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "reviews_0001"
down_revision = None
branch_labels = ("reviews",)
depends_on = "lineage_0001"


def upgrade() -> None:
    op.create_table(
        "validation_finding",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("model_node_id", sa.BigInteger(), sa.ForeignKey("node.id"), nullable=False),
        sa.Column("model_ref", sa.String(length=700), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=256), nullable=False),
        sa.Column("remediation", sa.Text(), nullable=True),
        sa.Column("remediated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remediated_by", sa.String(length=256), nullable=True),
        sa.Column("closure", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_validation_finding_model", "validation_finding", ["model_node_id", "status"])
    op.create_table(
        "model_review",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("model_node_id", sa.BigInteger(), sa.ForeignKey("node.id"), nullable=False),
        sa.Column("model_ref", sa.String(length=700), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(length=256), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_model_review_model", "model_review", ["model_node_id", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_model_review_model", table_name="model_review")
    op.drop_table("model_review")
    op.drop_index("ix_validation_finding_model", table_name="validation_finding")
    op.drop_table("validation_finding")
