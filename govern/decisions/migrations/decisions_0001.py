"""decisions: initial tables.

Revision ID: decisions_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "decisions_0001"
down_revision = None
branch_labels = ("decisions",)
depends_on = 'lineage_0001'

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('approval_request',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('decision_id', sa.String(length=40), nullable=False),
    sa.Column('model_node_id', sa.BigInteger(), nullable=False),
    sa.Column('model_ref', sa.String(length=700), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('bound_digest', sa.String(length=80), nullable=False),
    sa.Column('required', JSON, nullable=False),
    sa.Column('reasons', JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requester', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['model_node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_approval_request_status', 'approval_request', ['status', 'created_at'], unique=False)
    op.create_table('decision',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('model_node_id', sa.BigInteger(), nullable=False),
    sa.Column('model_ref', sa.String(length=700), nullable=False),
    sa.Column('gate', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('requester', sa.String(length=256), nullable=False),
    sa.Column('bound_digest', sa.String(length=80), nullable=False),
    sa.Column('document', JSON, nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.Column('ledger_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['model_node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_decision_model_time', 'decision', ['model_node_id', 'created_at'], unique=False)
    op.create_table('waiver',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('model_node_id', sa.BigInteger(), nullable=False),
    sa.Column('model_ref', sa.String(length=700), nullable=False),
    sa.Column('rule', sa.String(length=256), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('granted_by', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['model_node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('approval_vote',
    sa.Column('id', BIGINT_PK, nullable=False),
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('approver', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['approval_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', 'approver', name='uq_vote_request_approver')
    )
    op.create_table('stage_change',
    sa.Column('id', BIGINT_PK, nullable=False),
    sa.Column('model_node_id', sa.BigInteger(), nullable=False),
    sa.Column('model_ref', sa.String(length=700), nullable=False),
    sa.Column('from_stage', sa.String(length=32), nullable=False),
    sa.Column('to_stage', sa.String(length=32), nullable=False),
    sa.Column('decision_id', sa.String(length=40), nullable=True),
    sa.Column('actor', sa.String(length=256), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ),
    sa.ForeignKeyConstraint(['model_node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('stage_change')
    op.drop_table('approval_vote')
    op.drop_table('waiver')
    op.drop_index('ix_decision_model_time', table_name='decision')
    op.drop_table('decision')
    op.drop_index('ix_approval_request_status', table_name='approval_request')
    op.drop_table('approval_request')
