"""evidence: initial tables.

Revision ID: evidence_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "evidence_0001"
down_revision = None
branch_labels = ("evidence",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('evidence',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject', sa.String(length=700), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=80), nullable=False),
    sa.Column('filename', sa.String(length=512), nullable=False),
    sa.Column('media_type', sa.String(length=128), nullable=False),
    sa.Column('columns', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_evidence_subject_role', 'evidence', ['subject', 'role', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_subject_role', table_name='evidence')
    op.drop_table('evidence')
