"""Error codes of ``govern.identity``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

IDENTITY_MISMATCH: Final = "identity_mismatch"
INVALID_EXPIRY: Final = "invalid_expiry"
INVALID_NAME: Final = "invalid_name"
INVALID_ROLE: Final = "invalid_role"
INVALID_TOKEN: Final = "invalid_token"
LOCAL_TOKEN_REQUIRED: Final = "local_token_required"
NOT_FOUND: Final = "not_found"
TOKEN_EXPIRED: Final = "token_expired"
TOKEN_REVOKED: Final = "token_revoked"
UNKNOWN_PRINCIPAL: Final = "unknown_principal"
