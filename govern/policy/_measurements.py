"""Declared CEL types of every measurement variable, per check (the checks <-> policy contract).

This table is the policy half of ``CONTRACT.md``: a ``require`` expression is type-checked
against the variables of its rule's check, plus the facts (``model``, ``target``, ``lineage``)
and ``params`` (the rule's ``with``). The checks room has a test asserting that it produces
exactly these keys. Type strings use CEL's notation and are turned into engine types by
``_cel``; keeping them as text keeps this module engine-free and readable.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Check = Literal["fairness", "explainability", "drift", "performance", "documentation", "lineage"]
CHECKS: Final[tuple[str, ...]] = get_args(Check)

_COMMON: Final[dict[str, str]] = {"value": "double", "inconclusive": "bool"}

MEASUREMENTS: Final[dict[str, dict[str, str]]] = {
    "fairness": {
        **_COMMON,
        "lower": "double",
        "upper": "double",
        "metrics": "map(string,double)",
        "per_group": "map(string,map(string,double))",
        "four_fifths_pass": "bool",
        "min_group_count": "int",
    },
    "drift": {
        **_COMMON,
        "max_value": "double",
        "min_pvalue": "double",
        "per_feature": "map(string,map(string,double))",
        "drifted": "list(string)",
        "decision": "string",
        "prediction_psi": "double",
    },
    "explainability": {
        **_COMMON,
        "protected_share": "double",
        "proxy_share": "double",
        "top_features": "list(string)",
        "importance": "map(string,double)",
        "protected_in_top": "list(string)",
        "rank_stability": "double",
    },
    "performance": {
        **_COMMON,
        "metrics": "map(string,double)",
        "delta": "double",
        "delta_lower": "double",
        "delta_upper": "double",
        "has_champion": "bool",
    },
    "documentation": {
        **_COMMON,
        "missing": "list(string)",
        "complete": "bool",
    },
    "lineage": {
        **_COMMON,
        "violations": "list(string)",
        "complete": "bool",
    },
}

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
