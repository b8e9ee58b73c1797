"""web: initial tables.

Revision ID: web_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "web_0001"
down_revision = None
branch_labels = ("web",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('principal', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('token_id', sa.String(length=40), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('flash', JSON, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index(op.f('ix_web_session_expires_at'), 'web_session', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_session_expires_at'), table_name='web_session')
    op.drop_table('web_session')
