"""Write a room's first Alembic migration from its SQLModel tables.

    python scripts/migration.py ROOM TABLE[,TABLE...] [--depends-on REV]

Writes govern/store/migrations/versions/<room>_0001.py (branch label = room). Later changes to a
room's tables get a hand-written revision on that branch. ``tests/integration/test_migrations.py``
fails when the migrated schema and the models disagree.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import govern.store  # noqa: F401  (registers the tables)

TEMPLATE = '''"""{room}: initial tables.

Revision ID: {rev}
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "{rev}"
down_revision = None
branch_labels = ("{room}",)
depends_on = {depends}

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
{body}


def downgrade() -> None:
{down}
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("room")
    parser.add_argument("tables")
    parser.add_argument("--depends-on", default=None)
    args = parser.parse_args()
    room_tables = set(args.tables.split(","))
    others = [t for name, t in SQLModel.metadata.tables.items() if name not in room_tables]
    with sa.create_engine("sqlite://").connect() as conn:
        # Other rooms' tables exist already, so only this room's are emitted (FKs still resolve).
        SQLModel.metadata.create_all(conn, tables=others)
        ops = produce_migrations(MigrationContext.configure(conn), SQLModel.metadata)
    up = render_python_code(ops.upgrade_ops, alembic_module_prefix="op.", sqlalchemy_module_prefix="sa.")
    down = render_python_code(ops.downgrade_ops, alembic_module_prefix="op.", sqlalchemy_module_prefix="sa.")

    def clean(code: str) -> str:
        code = re.sub(r"govern\.store\._types\.UTCDateTime\(timezone=True\)", "sa.DateTime(timezone=True)", code)
        code = re.sub(
            r"sa\.JSON\(\)\.with_variant\(postgresql\.JSONB\(astext_type=Text\(\)\), 'postgresql'\)", "JSON", code
        )
        code = code.replace("sa.BigInteger().with_variant(sa.Integer(), 'sqlite')", "BIGINT_PK")
        return "\n".join(line for line in code.splitlines() if "###" not in line)

    rev = f"{args.room}_0001"
    depends = repr(args.depends_on) if args.depends_on else "None"
    out = Path(__file__).resolve().parents[1] / "govern/store/migrations/versions" / f"{rev}.py"
    out.write_text(TEMPLATE.format(room=args.room, rev=rev, depends=depends, body=clean(up), down=clean(down)))
    print(out)


if __name__ == "__main__":
    main()
