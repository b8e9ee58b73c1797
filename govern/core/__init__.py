"""Core: errors, references, canonical JSON and digests, time, settings. Imports nothing of govern."""

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
from ._settings import Settings, load_settings
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
