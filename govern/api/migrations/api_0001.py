"""api: initial tables.

Until the webhooks room owned its tables this revision also created ``webhook`` and
``webhook_delivery``; ``webhooks_0001`` now does (and keeps them where they already exist).

Revision ID: api_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "api_0001"
down_revision = None
branch_labels = ("api",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('api_idempotency',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=256), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=128), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', 'key')
    )
    op.create_index(op.f('ix_api_idempotency_created_at'), 'api_idempotency', ['created_at'], unique=False)
    op.create_table('api_rate',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('window', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', 'window')
    )


def downgrade() -> None:
    op.drop_table('api_rate')
    op.drop_index(op.f('ix_api_idempotency_created_at'), table_name='api_idempotency')
    op.drop_table('api_idempotency')
