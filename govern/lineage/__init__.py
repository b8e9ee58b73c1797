"""Lineage: datasets, features, runs, model versions and the components of LLM applications (base
models, prompt templates, guardrail configurations, tool manifests), and the edges between them.

Writes take the caller's session (a ``Store.write()`` transaction): the entry points
(``ingest_file``, ``bulk_load``; ``govern.registry.import_mlflow``) ledger ``lineage.ingested`` in it themselves;
the ``record_*``/``flag``/``set_*`` building blocks are composed by other rooms' ledgered operations
(``decisions.register_model``, ``decisions.flag``, the gate). Reads are recursive SQL over the
node/edge tables and return plain dataclasses and dicts.
"""

from . import _codes as codes
from ._graph import bulk_load, find_node, resolve
from ._ingest import IngestResult, ingest_events, ingest_file, validate_events, validate_file
from ._query import (
    ImpactedModel,
    ModelRecord,
    NodeView,
    Subgraph,
    champion,
    impact,
    list_models,
    model_facts,
    model_record,
    subgraph,
)
from ._record import (
    COMPONENT_ROLES,
    ComponentSpec,
    DataCard,
    DatasetSpec,
    ModelSpec,
    RunSpec,
    flag,
    record_component,
    record_dataset,
    record_feature,
    record_model,
    record_run,
    set_stage,
    set_tier,
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
    "ComponentSpec",
    "COMPONENT_ROLES",
    "record_component",
    "record_feature",
    "record_run",
    "record_model",
    "flag",
    "set_stage",
    "set_tier",
    # ingestion
    "IngestResult",
    "ingest_file",
    "validate_file",
    "ingest_events",
    "validate_events",
    "bulk_load",
    # queries
    "resolve",
    "find_node",
    "subgraph",
    "impact",
    "model_facts",
    "list_models",
    "model_record",
    "champion",
    "ModelRecord",
    "NodeView",
    "Subgraph",
    "ImpactedModel",
    "render_tree",
    "render_dot",
]
