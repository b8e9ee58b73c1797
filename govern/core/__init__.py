"""Core: errors, references, canonical JSON and digests, time, settings. Imports nothing of govern."""

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

__all__ = [
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
]
