"""Store: the workspace database (SQLModel tables, engine, sessions, migrations).

Tables live in one module per room (``_lineage``, ``_ledger``, ...); each room's schema has its
own Alembic branch under ``migrations/versions`` and ``Store.migrate`` upgrades all heads.
"""

from ._api import ApiIdempotencyRow, ApiRateRow, WebhookDeliveryRow, WebhookRow
from ._db import Store, normalize_url
from ._decisions import ApprovalRequestRow, ApprovalVoteRow, DecisionRow, StageChangeRow, WaiverRow
from ._evidence import EvidenceRecord
from ._identity import TokenRow
from ._ledger import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerKey, LedgerNode
from ._lineage import Dataset, Edge, Feature, IngestedEvent, ModelVersion, Node, Run
from ._types import BigIntPK, JSONType, UTCDateTime, table_of
from ._web import WebSessionRow

__all__ = [
    # engine and sessions
    "Store",
    "normalize_url",
    # column types
    "UTCDateTime",
    "JSONType",
    "BigIntPK",
    "table_of",
    # lineage
    "Node",
    "Edge",
    "Dataset",
    "Feature",
    "Run",
    "ModelVersion",
    "IngestedEvent",
    # evidence
    "EvidenceRecord",
    # ledger
    "LedgerEntry",
    "LedgerHead",
    "LedgerNode",
    "LedgerCheckpoint",
    "LedgerKey",
    # decisions
    "DecisionRow",
    "ApprovalRequestRow",
    "ApprovalVoteRow",
    "WaiverRow",
    "StageChangeRow",
    # identity
    "TokenRow",
    # api
    "ApiIdempotencyRow",
    "ApiRateRow",
    "WebhookRow",
    "WebhookDeliveryRow",
    # web inbox
    "WebSessionRow",
]
