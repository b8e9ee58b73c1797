"""lineage: initial tables.

Revision ID: lineage_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "lineage_0001"
down_revision = None
branch_labels = ("lineage",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('ingested_event',
    sa.Column('digest', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=1024), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    op.create_table('node',
    sa.Column('id', BIGINT_PK, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=512), nullable=False),
    sa.Column('version', sa.String(length=128), nullable=True),
    sa.Column('key', sa.String(length=700), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index('ix_node_kind_name', 'node', ['kind', 'name', 'id'], unique=False)
    op.create_table('dataset',
    sa.Column('node_id', sa.BigInteger(), nullable=False),
    sa.Column('uri', sa.String(length=1024), nullable=True),
    sa.Column('digest', sa.String(length=80), nullable=True),
    sa.Column('schema_fields', JSON, nullable=True),
    sa.Column('owner', sa.String(length=256), nullable=True),
    sa.Column('has_card', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=1024), nullable=True),
    sa.Column('license', sa.String(length=256), nullable=True),
    sa.Column('contains_pii', sa.Boolean(), nullable=False),
    sa.Column('consent', sa.String(length=256), nullable=False),
    sa.Column('deprecated', sa.Boolean(), nullable=False),
    sa.Column('flagged_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('node_id')
    )
    op.create_table('edge',
    sa.Column('src', sa.BigInteger(), nullable=False),
    sa.Column('dst', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['dst'], ['node.id'], ),
    sa.ForeignKeyConstraint(['src'], ['node.id'], ),
    sa.PrimaryKeyConstraint('src', 'dst', 'kind')
    )
    op.create_index('ix_edge_dst_src', 'edge', ['dst', 'src'], unique=False)
    op.create_table('feature',
    sa.Column('node_id', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('flagged_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('node_id')
    )
    op.create_table('model_version',
    sa.Column('node_id', sa.BigInteger(), nullable=False),
    sa.Column('framework', sa.String(length=64), nullable=True),
    sa.Column('artifact_digest', sa.String(length=80), nullable=True),
    sa.Column('owner', sa.String(length=256), nullable=True),
    sa.Column('tags', JSON, nullable=True),
    sa.Column('use_case', sa.String(length=128), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=True),
    sa.Column('tier_rule', sa.String(length=256), nullable=True),
    sa.Column('card', JSON, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('node_id')
    )
    op.create_table('run',
    sa.Column('node_id', sa.BigInteger(), nullable=False),
    sa.Column('job', sa.String(length=512), nullable=True),
    sa.Column('params', JSON, nullable=True),
    sa.Column('metrics', JSON, nullable=True),
    sa.Column('code_commit', sa.String(length=128), nullable=True),
    sa.Column('environment', JSON, nullable=True),
    sa.Column('author', sa.String(length=256), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['node.id'], ),
    sa.PrimaryKeyConstraint('node_id')
    )


def downgrade() -> None:
    op.drop_table('run')
    op.drop_table('model_version')
    op.drop_table('feature')
    op.drop_index('ix_edge_dst_src', table_name='edge')
    op.drop_table('edge')
    op.drop_table('dataset')
    op.drop_index('ix_node_kind_name', table_name='node')
    op.drop_table('node')
    op.drop_table('ingested_event')
