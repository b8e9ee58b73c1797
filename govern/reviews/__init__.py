"""Reviews: validation findings tracked to remediation and periodic reviews (SR 11-7 / OCC 2011-12).

Owns the ``validation_finding`` and ``model_review`` tables (Alembic branch ``reviews``). Writes take
``(ctx, principal)`` and ledger themselves; the gate holds a model version with an open high
finding (:func:`blocking`). See docs/lifecycle.md.
"""

from . import _codes as codes
from ._reviews import (
    INVENTORY_COLUMNS,
    REVIEW_INTERVAL_DAYS,
    REVIEW_OUTCOMES,
    SEVERITIES,
    Finding,
    ReviewStatus,
    blocking,
    close_finding,
    get_finding,
    inventory,
    list_findings,
    open_finding,
    record_review,
    remediate_finding,
    review_status,
)

__all__ = [
    "codes",
    # writes (ledgered)
    "open_finding",
    "remediate_finding",
    "close_finding",
    "record_review",
    # reads
    "get_finding",
    "list_findings",
    "blocking",
    "review_status",
    "inventory",
    "INVENTORY_COLUMNS",
    # types and vocabularies
    "Finding",
    "ReviewStatus",
    "SEVERITIES",
    "REVIEW_OUTCOMES",
    "REVIEW_INTERVAL_DAYS",
]
