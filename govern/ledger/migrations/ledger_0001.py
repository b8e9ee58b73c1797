"""ledger: initial tables.

Revision ID: ledger_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "ledger_0001"
down_revision = None
branch_labels = ("ledger",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('ledger_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('time', sa.String(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_ledger_checkpoint_size'), 'ledger_checkpoint', ['size'], unique=False)
    op.create_table('ledger_entry',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('time', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=256), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index('ix_ledger_entry_kind_seq', 'ledger_entry', ['kind', 'seq'], unique=False)
    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('frontier', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # The head every append locks, in its genesis state: no entries, prev = 64 zeros, empty frontier.
    op.bulk_insert(
        sa.table('ledger_head', sa.column('id'), sa.column('seq'), sa.column('hash'), sa.column('frontier')),
        [{'id': 1, 'seq': 0, 'hash': '0' * 64, 'frontier': ''}],
    )
    op.create_table('ledger_key',
    sa.Column('key_id', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id')
    )
    op.create_table('ledger_node',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx')
    )


def downgrade() -> None:
    op.drop_table('ledger_node')
    op.drop_table('ledger_key')
    op.drop_table('ledger_head')
    op.drop_index('ix_ledger_entry_kind_seq', table_name='ledger_entry')
    op.drop_table('ledger_entry')
    op.drop_index(op.f('ix_ledger_checkpoint_size'), table_name='ledger_checkpoint')
    op.drop_table('ledger_checkpoint')
