"""Error codes of ``govern.reviews``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

FINDING_CLOSED: Final = "finding_closed"
FINDING_INVALID: Final = "finding_invalid"
FINDING_NOT_FOUND: Final = "finding_not_found"
REVIEW_INVALID: Final = "review_invalid"
ROLE_NOT_ALLOWED: Final = "role_not_allowed"
SOD_OWNER_CONFLICT: Final = "sod_owner_conflict"
