"""Registry: MLflow's model registry both ways, through MLflow's own client (optional extra).

``import_mlflow`` reads runs, datasets, registered versions, aliases, tags and logged model cards
into lineage (incremental; ledgered). ``sync_promotion``/``sync_rollback`` mirror gate results
onto MLflow aliases and version tags for versions imported from MLflow; each write-back is
ledgered as ``registry.synced`` or ``registry.sync_failed`` and never overrides the decision.
"""

from . import _codes as codes
from ._import import CARD_ARTIFACTS, ORIGIN_TAG, ImportCounts, import_mlflow
from ._writeback import SyncResult, sync_promotion, sync_rollback

__all__ = [
    "codes",
    "import_mlflow",
    "ImportCounts",
    "CARD_ARTIFACTS",
    "ORIGIN_TAG",
    "sync_promotion",
    "sync_rollback",
    "SyncResult",
]
