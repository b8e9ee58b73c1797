"""Evidence: content-addressed files (evaluation data, reference/current samples, models,
explanations) with their column mapping, tabular loading with located validation, and safe
model loading (skops with an allow-list; pickle refused)."""

from . import _codes as codes
from ._mapping import ROLES, ColumnMapping, Evidence, EvidenceSet, Role
from ._models import ALLOWED_TYPE_PREFIXES, load_model, untrusted_types
from ._partials import PartialsMaker, dataset_digest, is_dataset, is_partials_file
from ._records import add_evidence, blob_path, copy_blob, evidence_for, latest_mapping, store_blob
from ._retention import Collection, Retained, collect_blobs
from ._tabular import (
    binary_column,
    feature_frame,
    group_codes,
    load_table,
    locate,
    media_type,
    numeric_column,
    require_columns,
)

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # what a check reads
    "Role",
    "ROLES",
    "ColumnMapping",
    "Evidence",
    "EvidenceSet",
    # tables
    "load_table",
    "media_type",
    "require_columns",
    "binary_column",
    "numeric_column",
    "group_codes",
    "feature_frame",
    "locate",
    # datasets and partials files (govern.stats turns them into partials: PartialsMaker)
    "is_dataset",
    "is_partials_file",
    "dataset_digest",
    "PartialsMaker",
    # models
    "load_model",
    "untrusted_types",
    "ALLOWED_TYPE_PREFIXES",
    # storage
    "store_blob",
    "blob_path",
    "copy_blob",
    "add_evidence",
    "evidence_for",
    "latest_mapping",
    # retention (EU AI Act Art. 18)
    "collect_blobs",
    "Collection",
    "Retained",
]
