"""decisions: the waiver's granter role is stored (reports name it instead of assuming risk_officer).

Revision ID: decisions_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "decisions_0002"
down_revision = "decisions_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: waivers granted before this revision did not record the role (reports say so).
    with op.batch_alter_table("waiver") as batch:
        batch.add_column(sa.Column("granted_role", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("waiver") as batch:
        batch.drop_column("granted_role")
