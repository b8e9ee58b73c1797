"""The one model card schema govern reads: Mitchell et al.'s sections plus governance fields.

Hugging Face cards and Model Card Toolkit JSON are converted into :class:`ModelCard`
(see ``_load.py``); ``model_cards/model-card.schema.json`` is generated from it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from govern.core import RISK_TIERS, RiskTier

Tier = RiskTier  # the shared vocabulary (govern.core)
TIERS = RISK_TIERS

SCHEMA_VERSION = "govern/model-card/v1"


class _Strict(BaseModel):
    # A misspelt key is an error, not a silently missing section.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _listify(value: Any) -> Any:
    """Accept one string where a list of strings is expected (a Markdown paragraph)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


class Owner(_Strict):
    name: str
    contact: str | None = None
    role: str | None = None

    @classmethod
    def coerce(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class ModelDetails(_Strict):
    name: str = ""
    version: str = ""
    owners: list[Owner] = Field(default_factory=list)
    license: str = ""
    description: str = ""
    model_type: str = ""
    date: str = ""
    references: list[str] = Field(default_factory=list)
    citation: str = ""

    @field_validator("owners", mode="before")
    @classmethod
    def _owners(cls, value: Any) -> Any:
        value = _listify(value)
        return [Owner.coerce(v) for v in value] if isinstance(value, list) else value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        # YAML reads `version: 2` as an int; a version is a label.
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("references", mode="before")
    @classmethod
    def _refs(cls, value: Any) -> Any:
        return _listify(value)


class IntendedUse(_Strict):
    primary_uses: list[str] = Field(default_factory=list)
    primary_users: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)

    @field_validator("primary_uses", "primary_users", "out_of_scope", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _listify(value)


class MetricSpec(_Strict):
    name: str
    description: str = ""
    threshold: float | None = None

    @classmethod
    def coerce(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class DatasetRef(_Strict):
    name: str
    version: str | None = None
    url: str | None = None
    description: str = ""

    @classmethod
    def coerce(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class DataSection(_Strict):
    description: str = ""
    datasets: list[DatasetRef] = Field(default_factory=list)
    preprocessing: str = ""

    @field_validator("datasets", mode="before")
    @classmethod
    def _datasets(cls, value: Any) -> Any:
        value = _listify(value)
        return [DatasetRef.coerce(v) for v in value] if isinstance(value, list) else value


class QuantitativeResult(_Strict):
    metric: str
    value: float
    group: str | None = None  # the slice: "sex=female", or None for the whole population
    dataset: str | None = None
    lower: float | None = None
    upper: float | None = None
    threshold: float | None = None


class Consideration(_Strict):
    name: str
    mitigation: str = ""

    @classmethod
    def coerce(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class HumanOversight(_Strict):
    description: str = ""
    reviewers: list[str] = Field(default_factory=list)
    escalation: str = ""

    @field_validator("reviewers", mode="before")
    @classmethod
    def _reviewers(cls, value: Any) -> Any:
        return _listify(value)


class ModelCard(_Strict):
    """A model card. Empty strings and lists mean "not documented"."""

    schema_version: str = SCHEMA_VERSION
    model_details: ModelDetails = Field(default_factory=ModelDetails)
    intended_use: IntendedUse = Field(default_factory=IntendedUse)
    factors: list[str] = Field(default_factory=list)
    metrics: list[MetricSpec] = Field(default_factory=list)
    evaluation_data: DataSection = Field(default_factory=DataSection)
    training_data: DataSection = Field(default_factory=DataSection)
    quantitative_analyses: list[QuantitativeResult] = Field(default_factory=list)
    ethical_considerations: list[Consideration] = Field(default_factory=list)
    caveats_and_recommendations: list[str] = Field(default_factory=list)
    human_oversight: HumanOversight = Field(default_factory=HumanOversight)
    risk_tier: Tier | None = None
    use_case: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    notes: str = Field("", description="Free Markdown (the body of a Hugging Face card not mapped to a field)")

    @field_validator("factors", "caveats_and_recommendations", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _listify(value)

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any) -> Any:
        value = _listify(value)
        return [MetricSpec.coerce(v) for v in value] if isinstance(value, list) else value

    @field_validator("ethical_considerations", mode="before")
    @classmethod
    def _considerations(cls, value: Any) -> Any:
        value = _listify(value)
        return [Consideration.coerce(v) for v in value] if isinstance(value, list) else value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        # Hugging Face `tags` is a list of words; govern's is key=value.
        if isinstance(value, list):
            return {str(v): "" for v in value}
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value


def card_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`ModelCard` (written to ``model_cards/model-card.schema.json``)."""
    schema = ModelCard.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://govern.example/schemas/model-card/v1.json"
    return schema
