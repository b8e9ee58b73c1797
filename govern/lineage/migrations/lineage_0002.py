"""lineage: components of an LLM application (base models, prompt templates, guardrail
configurations, tool manifests) as nodes of their own.

Revision ID: lineage_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "lineage_0002"
down_revision = "lineage_0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "component",
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=256), nullable=True),
        sa.Column("digest", sa.String(length=80), nullable=True),
        sa.Column("details", JSON, nullable=True),
        sa.Column("flagged_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["node_id"], ["node.id"]),
        sa.PrimaryKeyConstraint("node_id"),
    )


def downgrade() -> None:
    op.drop_table("component")
