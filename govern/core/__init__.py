"""Core: errors, references, canonical JSON and digests, time, settings. Imports nothing of govern.

``Settings`` and ``load_settings`` are loaded on first use (a module ``__getattr__``): they need
pydantic, which costs more to import than the rest of the room, and ``govern --help`` never reads a
setting.
"""

from typing import TYPE_CHECKING, Any

from . import _codes as codes
from ._canonical import canonical_json, content_digest, json_digest, sha256_hex
from ._clock import clock_override, isoformat, parse_time, utcnow
from ._errors import (
    AuthenticationError,
    ConflictError,
    GovernError,
    Location,
    NotFoundError,
    PermissionDenied,
    VerificationError,
)
from ._refs import KINDS, Kind, Ref, dataset_name, parse_ref
from ._resources import resource_path
from ._vocab import (
    EVIDENCE_ROLES,
    PROMOTION_TARGETS,
    RISK_TIERS,
    ROLES,
    STAGES,
    EvidenceRole,
    Progress,
    PromotionTarget,
    RiskTier,
    Role,
    Stage,
    StepProgress,
    is_evidence_role,
    is_risk_tier,
    is_role,
    is_stage,
)

if TYPE_CHECKING:
    from ._settings import Settings, load_settings

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # errors
    "GovernError",
    "NotFoundError",
    "ConflictError",
    "PermissionDenied",
    "AuthenticationError",
    "VerificationError",
    "Location",
    # identity
    "Ref",
    "Kind",
    "KINDS",
    "parse_ref",
    "dataset_name",
    # canonical form
    "canonical_json",
    "sha256_hex",
    "content_digest",
    "json_digest",
    # time
    "utcnow",
    "clock_override",
    "parse_time",
    "isoformat",
    # configuration
    "Settings",
    "load_settings",
    "resource_path",
    # shared vocabularies
    "Role",
    "ROLES",
    "is_role",
    "RiskTier",
    "RISK_TIERS",
    "is_risk_tier",
    "EvidenceRole",
    "EVIDENCE_ROLES",
    "is_evidence_role",
    "Stage",
    "STAGES",
    "is_stage",
    "PromotionTarget",
    "PROMOTION_TARGETS",
    "Progress",
    "StepProgress",
]


_LAZY = frozenset({"Settings", "load_settings"})


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'govern.core' has no attribute {name!r}")
    from . import _settings

    value = getattr(_settings, name)
    globals()[name] = value  # later lookups skip this function
    return value
