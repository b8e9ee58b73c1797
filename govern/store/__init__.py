"""Store: the workspace database engine, sessions, portable column types and migration plumbing.

Tables belong to their rooms (``govern/<room>/_tables.py``) and each room keeps its Alembic
branch next to it (``govern/<room>/migrations/``); ``Store.migrate`` upgrades every room's head.
No room reads another room's tables: it calls that room's read API.
"""

from . import _codes as codes
from ._db import Store, migration_dirs, normalize_url
from ._types import BigIntPK, JSONType, UTCDateTime, table_of

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # engine and sessions
    "Store",
    "normalize_url",
    # migrations
    "migration_dirs",
    # column types
    "UTCDateTime",
    "JSONType",
    "BigIntPK",
    "table_of",
]
