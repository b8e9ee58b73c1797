"""Lineage: datasets, features, runs and model versions, and the edges between them.

Writes take the caller's session (so a Workspace method can append the ledger entry in the same
transaction); reads are recursive SQL over the node/edge tables.
"""

from . import _codes as codes
from ._graph import bulk_load, resolve
from ._ingest import IngestResult, ingest_file, validate_file
from ._mlflow import import_mlflow
from ._query import ImpactedModel, NodeView, Subgraph, impact, list_models, model_facts, subgraph
from ._record import (
    DataCard,
    DatasetSpec,
    ModelSpec,
    RunSpec,
    flag,
    record_dataset,
    record_feature,
    record_model,
    record_run,
)
from ._render import render_dot, render_tree

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # recording
    "DataCard",
    "DatasetSpec",
    "RunSpec",
    "ModelSpec",
    "record_dataset",
    "record_feature",
    "record_run",
    "record_model",
    "flag",
    # ingestion
    "IngestResult",
    "ingest_file",
    "validate_file",
    "import_mlflow",
    "bulk_load",
    # queries
    "resolve",
    "subgraph",
    "impact",
    "model_facts",
    "list_models",
    "NodeView",
    "Subgraph",
    "ImpactedModel",
    "render_tree",
    "render_dot",
]
