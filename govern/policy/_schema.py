"""The pack format, as pydantic models (the edge: files). Unknown keys are errors.

Kinds: ``Pack`` (the manifest, ``pack.yaml``), ``Policy``, ``Tiering``, ``Approvals`` and
``PolicyTest``. Every document has ``apiVersion: govern/v1``, ``kind`` and ``metadata``.
Reference: ``docs/policy-language.md``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from govern.core import RISK_TIERS, RiskTier, Role

from ._measurements import Check

Tier = RiskTier  # the shared vocabulary (govern.core), under the pack format's names
TIERS = RISK_TIERS  # most risky first

Gate = Literal["promote", "retrain"]
OnFail = Literal["deny", "review", "warn", "retrain"]
RuleResult = Literal["pass", "fail", "inconclusive", "error"]
Verdict = Literal["allow", "deny", "review", "retrain"]
API_VERSION: Final = "govern/v1"

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
ControlId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
_DURATION = re.compile(r"^(\d{1,5})([dhm])$")


def parse_duration(text: str) -> timedelta:
    """``30d`` / ``12h`` / ``90m`` to a timedelta; raises ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h or 90m")
    amount, unit = int(match.group(1)), match.group(2)
    return {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Metadata(_Strict):
    name: Name
    description: str = ""
    version: str = ""
    controls: list[ControlId] = Field(default_factory=list)


class _Document(_Strict):
    api_version: Literal["govern/v1"] = Field(alias="apiVersion")
    metadata: Metadata


class PackManifest(_Document):
    """``pack.yaml``: names the pack. The pack's other YAML files (outside ``tests/``) are its content."""

    kind: Literal["Pack"]


SystemKind = Literal["classical", "llm"]  # an LLM application is a model version tagged `kind: llm`


def _classical() -> list[SystemKind]:
    return ["classical"]


class AppliesTo(_Strict):
    tiers: list[Tier] = Field(default_factory=lambda: list(TIERS), min_length=1)
    kinds: list[SystemKind] = Field(default_factory=_classical, min_length=1)
    when: str | None = None


class Rule(_Strict):
    id: Name
    description: str = ""
    check: Check
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    require: str = Field(min_length=1)
    on_fail: OnFail = Field(alias="onFail")
    controls: list[ControlId] = Field(default_factory=list)


class PolicySpec(_Strict):
    applies_to: AppliesTo = Field(default_factory=AppliesTo, alias="appliesTo")
    gates: list[Gate] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)


class Policy(_Document):
    kind: Literal["Policy"]
    spec: PolicySpec


class TieringRule(_Strict):
    id: Name
    description: str = ""
    tier: Tier
    when: str = Field(min_length=1)
    controls: list[ControlId] = Field(default_factory=list)


class TieringSpec(_Strict):
    rules: list[TieringRule] = Field(default_factory=list)
    default: Tier


class Tiering(_Document):
    """Ordered CEL rules over facts; the first that holds gives the tier, else ``default``."""

    kind: Literal["Tiering"]
    spec: TieringSpec


class ApprovalRule(_Strict):
    """``count`` distinct approvers, each holding one of ``roles``, at least ``atLeast[r]`` of role r."""

    roles: list[Role] = Field(min_length=1)
    count: int = Field(ge=1, le=10)
    at_least: dict[Role, int] = Field(default_factory=dict, alias="atLeast")
    expires_after: str = Field(alias="expiresAfter")
    controls: list[ControlId] = Field(default_factory=list)

    @field_validator("expires_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class ApprovalsSpec(_Strict):
    tiers: dict[Tier, ApprovalRule] = Field(min_length=1)


class Approvals(_Document):
    kind: Literal["Approvals"]
    spec: ApprovalsSpec


class MonitoringTier(_Strict):
    """How often a production model of a tier must be monitored (a retraining-gate run on a
    current window), and whether an overdue plan holds the promotion of the model's versions."""

    every: str
    hold_promotion: bool = Field(default=False, alias="holdPromotion")
    owners: list[Role] = Field(default_factory=list)
    controls: list[ControlId] = Field(default_factory=list)

    @field_validator("every")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class MonitoringPlanSpec(_Strict):
    tiers: dict[Tier, MonitoringTier] = Field(min_length=1)


class MonitoringPlan(_Document):
    """EU AI Act Art. 72 post-market monitoring as code: a cadence per risk tier."""

    kind: Literal["MonitoringPlan"]
    spec: MonitoringPlanSpec


class Expect(_Strict):
    tier: Tier | None = None
    rules: dict[str, RuleResult | Literal["not_applicable"]] = Field(default_factory=dict)
    verdict: Verdict | None = None


class PolicyTestCase(_Strict):
    name: str = Field(min_length=1)
    gate: Gate | None = None
    facts: dict[str, Any]
    measurements: dict[str, dict[str, Any]] = Field(default_factory=dict)
    expect: Expect


class PolicyTestSpec(_Strict):
    gate: Gate = "promote"
    measurements: dict[str, dict[str, Any]] = Field(default_factory=dict)
    cases: list[PolicyTestCase] = Field(min_length=1)


class PolicyTest(_Document):
    """Fixtures: facts + measurements (per check name or rule id) -> expected results."""

    kind: Literal["PolicyTest"]
    spec: PolicyTestSpec


KINDS: Final[dict[str, type[_Document]]] = {
    "Pack": PackManifest,
    "Policy": Policy,
    "Tiering": Tiering,
    "Approvals": Approvals,
    "MonitoringPlan": MonitoringPlan,
    "PolicyTest": PolicyTest,
}
