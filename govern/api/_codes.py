"""Error codes of ``govern.api``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

API_ERROR: Final = "api_error"
API_UNREACHABLE: Final = "api_unreachable"
CHECKPOINT_MISSING: Final = "checkpoint_missing"
INVALID_EXPIRY_DATE: Final = "invalid_expiry_date"
MISSING_TOKEN: Final = "missing_token"
NOT_FOUND: Final = "not_found"
OWNER_MISMATCH: Final = "owner_mismatch"
PERIOD_INVALID: Final = "period_invalid"
ROLE_FORBIDDEN: Final = "role_forbidden"
