"""Checks over facts rather than data: model card completeness and lineage hygiene."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from govern.measurements import DocumentationMeasurement, LineageMeasurement


# Card fields each tier requires when the rule names none (``with.required`` overrides).
@functools.cache
def _required_by_tier() -> dict[str, tuple[str, ...]]:
    # One source of truth: the model-card schema's requirements per tier (govern.cards), read on
    # first use: the card schema is pydantic models, and a gate over recorded measurements needs none.
    from govern.cards import TIERS, required_fields

    return {tier: tuple(required_fields(tier)) for tier in TIERS}


if TYPE_CHECKING:
    DEFAULT_REQUIRED_FIELDS: dict[str, tuple[str, ...]]


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_REQUIRED_FIELDS":
        return _required_by_tier()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _field(card: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of the card, or None."""
    value: Any = card
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) == 0
    return False


def documentation(
    card: Mapping[str, Any] | None, *, tier: str | None = None, required: Sequence[str] | None = None
) -> DocumentationMeasurement:
    """Which required model-card fields are present.

    ``required`` (dotted paths such as ``metrics.auc``) defaults to
    ``DEFAULT_REQUIRED_FIELDS[tier]`` (the ``high`` list for an unknown or missing tier, failing
    closed). A field counts as present when it exists and is not empty (None, "", [], {}).
    Returns ``value`` (share present, 0..1), ``missing``, ``complete``, ``required``,
    ``inconclusive`` (always False).
    """
    by_tier = _required_by_tier()
    fields = list(required) if required is not None else list(by_tier.get(tier or "", by_tier["high"]))
    card = card or {}
    missing = [f for f in fields if _empty(_field(card, f))]
    share = 1.0 if not fields else (len(fields) - len(missing)) / len(fields)
    return DocumentationMeasurement(
        value=float(share), inconclusive=False, missing=missing, complete=not missing, required=fields
    )


def lineage_hygiene(
    lineage: Mapping[str, Any] | None, *, require_runs: bool = True, require_datasets: bool = True
) -> LineageMeasurement:
    """Violations of lineage hygiene in the ``lineage`` facts (docs/measurements.md).

    A violation per: no upstream dataset / training run recorded (unless not required), a dataset
    not registered (``registered: false``), without a data card (``has_card``/``card`` false when
    the fact is given), without a license, deprecated, flagged, holding personal data
    (``contains_pii``) without a ``consent`` basis; a run without a ``code_commit``.
    Returns ``value`` (number of violations), ``violations`` (sentences), ``complete``,
    ``inconclusive`` (always False).
    """
    facts = lineage or {}
    datasets = list(facts.get("datasets") or [])
    runs = list(facts.get("runs") or [])
    violations: list[str] = []
    if require_datasets and not datasets:
        violations.append("no upstream dataset is recorded")
    if require_runs and not runs:
        violations.append("no training run is recorded")
    for ds in datasets:
        version = ds.get("version")
        ref = f"dataset:{ds.get('name', '?')}" + (f"@{version}" if version not in (None, "") else "")
        if ds.get("registered") is False:
            violations.append(f"{ref} is not registered")
        for key in ("has_card", "card"):
            if key in ds and not ds[key]:
                violations.append(f"{ref} has no data card")
                break
        if _empty(ds.get("license")):
            violations.append(f"{ref} has no license")
        if ds.get("deprecated"):
            violations.append(f"{ref} is deprecated")
        if ds.get("flagged"):
            violations.append(f"{ref} is flagged")
        if ds.get("contains_pii") and _empty(ds.get("consent")):
            violations.append(f"{ref} contains personal data without a consent basis")
    for run in runs:
        if _empty(run.get("code_commit")):
            violations.append(f"run:{run.get('id', '?')} has no code commit recorded")
    return LineageMeasurement(
        value=float(len(violations)), inconclusive=False, violations=violations, complete=not violations
    )
