"""Declared CEL types of every measurement variable, per check (the checks <-> policy contract).

The types are derived from the measurement classes of ``govern.measurements`` (one declaration
of the contract; docs/measurements.md is generated from the same classes): a ``require``
expression is type-checked against the variables of its rule's check, plus the facts
(``model``, ``target``, ``lineage``) and ``params`` (the rule's ``with``). Type strings use
CEL's notation and are turned into engine types by ``_cel``.
"""

from __future__ import annotations

from typing import Final

from govern.measurements import CHECKS, Check, cel_declarations

__all__ = [
    "CHECKS",
    "Check",
    "MEASUREMENTS",
    "FACT_VARIABLES",
    "PARAMS_TYPE",
    "MODEL_FIELDS",
    "DATASET_FIELDS",
    "RUN_FIELDS",
]

MEASUREMENTS: Final[dict[str, dict[str, str]]] = cel_declarations()

# Facts are visible everywhere (tiering, appliesTo.when, require); ``params`` only in require.
FACT_VARIABLES: Final[dict[str, str]] = {
    "model": "govern.facts.Model",
    "target": "string",
    "lineage": "govern.facts.Lineage",
}
PARAMS_TYPE: Final[str] = "map(string,dyn)"

# Field types of the fact messages, for documentation and the oracle (the proto in ``_facts``).
MODEL_FIELDS: Final[dict[str, str]] = {
    "name": "string",
    "version": "string",
    "tier": "string",
    "tags": "map(string,string)",
    "owner": "string",
    "stage": "string",
    "use_case": "string",
    "framework": "string",
    "card": "map(string,dyn)",
}
DATASET_FIELDS: Final[dict[str, str]] = {
    "name": "string",
    "version": "string",
    "source": "string",
    "license": "string",
    "contains_pii": "bool",
    "consent": "string",
    "deprecated": "bool",
    "flagged": "bool",
}
RUN_FIELDS: Final[dict[str, str]] = {"id": "string", "author": "string", "code_commit": "string"}
