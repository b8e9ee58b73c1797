"""Store: the workspace database engine, sessions, portable column types and migration plumbing.

Tables belong to their rooms (``govern/<room>/_tables.py``) and each room keeps its Alembic
branch next to it (``govern/<room>/migrations/``); ``Store.migrate`` upgrades every room's head.
No room reads another room's tables: it calls that room's read API.
"""

from typing import Any

from ._db import Store, migration_dirs, normalize_url
from ._types import BigIntPK, JSONType, UTCDateTime, table_of

__all__ = [
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

# FOLLOW-UP (issue 13, reports switch): govern/reports/_gather.py still imports these decisions
# tables from here; it moves to the decisions read API (get_decision, history, votes, waivers,
# stage_changes, expired_requests) and ledger.last_seq, then this shim goes. Nothing else may use it
# (tests/unit/test_architecture.py allows only reports).
_REPORTS_LEGACY = dict.fromkeys(
    ("DecisionRow", "ApprovalRequestRow", "ApprovalVoteRow", "WaiverRow", "StageChangeRow"), "govern.decisions._tables"
)


def __getattr__(name: str) -> Any:
    module = _REPORTS_LEGACY.get(name)
    if module is None:
        raise AttributeError(f"module 'govern.store' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
