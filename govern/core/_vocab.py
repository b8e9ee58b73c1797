"""Closed vocabularies shared by several rooms, declared once.

Each is a ``Literal`` (for types) plus a tuple of its values in a meaningful order (for checks,
messages and docs), and a ``TypeGuard`` that narrows a ``str`` read from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal, TypeGuard, get_args

# Principals: who may do what (govern.identity issues tokens with one role; docs/roles.md).
Role = Literal["admin", "risk_officer", "validator", "model_owner", "ci", "auditor", "lineage_writer"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

# Risk tiers of a model (EU AI Act style), most risky first.
RiskTier = Literal["prohibited", "high", "limited", "minimal"]
RISK_TIERS: Final[tuple[RiskTier, ...]] = get_args(RiskTier)

# What a piece of evidence is for (govern.evidence). The last five are an LLM application's: the
# results of an evaluation tool and of a red-team tool, and the content-addressed prompt template,
# guardrail configuration and tool-permission manifest its approvals are bound to.
EvidenceRole = Literal[
    "evaluation",
    "reference",
    "current",
    "model",
    "explanation",
    "partials",
    "llm_eval",
    "redteam",
    "prompt",
    "guardrails",
    "tools",
]
EVIDENCE_ROLES: Final[tuple[EvidenceRole, ...]] = get_args(EvidenceRole)

# Lifecycle stage of a model version, and the stages a gate promotes to.
Stage = Literal["none", "staging", "production", "archived"]
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)
PromotionTarget = Literal["staging", "production"]
PROMOTION_TARGETS: Final[tuple[PromotionTarget, ...]] = get_args(PromotionTarget)

# Progress callbacks: ``(done, total)`` from one computation (a check), and
# ``(label, done, total)`` from a sequence of labelled steps (a gate run).
Progress = Callable[[int, int], None]
StepProgress = Callable[[str, int, int], None]


def is_role(value: object) -> TypeGuard[Role]:
    return value in ROLES


def is_risk_tier(value: object) -> TypeGuard[RiskTier]:
    return value in RISK_TIERS


def is_evidence_role(value: object) -> TypeGuard[EvidenceRole]:
    return value in EVIDENCE_ROLES


def is_stage(value: object) -> TypeGuard[Stage]:
    return value in STAGES
