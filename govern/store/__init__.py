"""Store: the workspace database (SQLModel tables, engine, sessions, migrations).

Tables live in one module per room (``_lineage``, ``_ledger``, ...); each room's schema has its
own Alembic branch under ``migrations/versions`` and ``Store.migrate`` upgrades all heads.
"""

# The ledger's witness tables live in the ledger room; importing them here puts them in the
# metadata every Store user sees (migration ledger_0002 creates them).
from govern.ledger._witness_tables import LedgerCosignature, LedgerWitness  # noqa: F401

from ._api import ApiIdempotencyRow, ApiRateRow, WebhookDeliveryRow, WebhookRow
from ._db import Store, normalize_url
from ._decisions import ApprovalRequestRow, ApprovalVoteRow, DecisionRow, StageChangeRow, WaiverRow
from ._evidence import EvidenceRecord
from ._identity import TokenRow
from ._ledger import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerKey, LedgerNode
from ._lineage import Dataset, Edge, Feature, IngestedEvent, ModelVersion, Node, Run
from ._types import BigIntPK, JSONType, UTCDateTime
from ._web import WebSessionRow

__all__ = [
    # engine and sessions
    "Store",
    "normalize_url",
    # column types
    "UTCDateTime",
    "JSONType",
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
