"""Model cards: one schema, three accepted formats, tier requirements, located validation.

Rendering a card to HTML or PDF is done by ``govern.reports.render_card`` (the rendering engine
and its safe resource fetcher live there).
"""

from . import _codes as codes
from ._fields import card_fields, is_empty, missing_fields, required_fields, validate_card
from ._load import CardFormat, LoadedCard, Problem, load_card, read_card
from ._schema import (
    SCHEMA_VERSION,
    TIERS,
    Consideration,
    DataSection,
    DatasetRef,
    HumanOversight,
    IntendedUse,
    MetricSpec,
    ModelCard,
    ModelDetails,
    Owner,
    QuantitativeResult,
    Tier,
    card_json_schema,
)

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # schema
    "ModelCard",
    "ModelDetails",
    "Owner",
    "IntendedUse",
    "MetricSpec",
    "DataSection",
    "DatasetRef",
    "QuantitativeResult",
    "Consideration",
    "HumanOversight",
    "Tier",
    "TIERS",
    "SCHEMA_VERSION",
    "card_json_schema",
    # reading
    "CardFormat",
    "LoadedCard",
    "Problem",
    "read_card",
    "load_card",
    # requirements
    "required_fields",
    "card_fields",
    "missing_fields",
    "is_empty",
    "validate_card",
]
