"""What each risk tier requires of a card, and validation of a card file against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govern.core import GovernError

from ._codes import CARD_FIELD_MISSING, CARD_TIER_UNKNOWN
from ._load import Problem, is_placeholder, read_card
from ._schema import TIERS, ModelCard, Tier

_MINIMAL = [
    "model_details.name",
    "model_details.version",
    "model_details.owners",
    "intended_use.primary_uses",
]
_LIMITED = [
    *_MINIMAL,
    "model_details.description",
    "model_details.license",
    "intended_use.out_of_scope",
    "metrics",
    "caveats_and_recommendations",
]
# High risk follows the EU AI Act's technical documentation (Annex IV) and SR 11-7: data
# provenance, disaggregated evaluation, risks and mitigations, human oversight (Art. 14).
_HIGH = [
    *_LIMITED,
    "risk_tier",
    "factors",
    "training_data",
    "evaluation_data",
    "quantitative_analyses",
    "ethical_considerations",
    "human_oversight",
]
_REQUIRED: dict[str, list[str]] = {
    "minimal": _MINIMAL,
    "limited": _LIMITED,
    "high": _HIGH,
    "prohibited": _HIGH,
}


def required_fields(tier: str) -> list[str]:
    """Dotted card field names a card of ``tier`` must fill (a new list; tiers nest).

    Raises ``GovernError(card_tier_unknown)`` for a tier outside prohibited|high|limited|minimal.
    """
    if tier not in _REQUIRED:
        raise GovernError(CARD_TIER_UNKNOWN, f"unknown risk tier {tier!r}; expected one of {', '.join(TIERS)}")
    return list(_REQUIRED[tier])


def card_fields(card: ModelCard) -> dict[str, Any]:
    """Every section and sub-field of ``card`` under its dotted name, JSON values.

    Both a section (``training_data``: its dict) and its fields (``training_data.description``)
    appear, so a required name can be either.
    """
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if prefix:
            out[prefix] = value
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else key, sub)

    walk("", card.model_dump(mode="json"))
    return out


def is_empty(value: Any) -> bool:
    """None, "", a template placeholder, and containers holding only empty things are empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return is_placeholder(value)
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    return False


def missing_fields(card: ModelCard, tier: str) -> list[str]:
    """Required fields of ``tier`` that ``card`` leaves absent or empty, in required order."""
    fields = card_fields(card)
    return [name for name in required_fields(tier) if is_empty(fields.get(name))]


def validate_card(path: Path, *, tier: Tier | None = None) -> list[Problem]:
    """All problems of the card file at ``path``, sorted by position; empty when it is valid.

    Parse and schema errors, non-numeric metric values, and the fields the tier requires
    (``tier``, else the card's own ``risk_tier``, else ``minimal``) that are missing, each located
    at file:line:col (YAML, front matter, JSON) and, for Model Card Toolkit JSON, a JSON path.
    """
    if tier is not None:
        required_fields(tier)  # unknown tier: an error, not an empty check
    loaded = read_card(Path(path))
    problems = list(loaded.problems)
    if loaded.card is not None:
        effective = tier or loaded.card.risk_tier or "minimal"
        for name in missing_fields(loaded.card, effective):
            problems.append(
                Problem(
                    CARD_FIELD_MISSING,
                    f"{name} is required for a {effective}-risk model and is missing or empty",
                    loaded.locate(tuple(name.split("."))),
                )
            )
    problems.sort(key=Problem.sort_key)
    return problems
