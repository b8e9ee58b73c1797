"""Error codes of ``govern.incidents``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

INCIDENT_AWARE_IN_FUTURE: Final = "incident_aware_in_future"
INCIDENT_CLOSED: Final = "incident_closed"
INCIDENT_INVALID: Final = "incident_invalid"
INCIDENT_NOT_FOUND: Final = "incident_not_found"
INCIDENT_NOT_REPORTED: Final = "incident_not_reported"
INCIDENT_REPORT_ORDER: Final = "incident_report_order"
INVALID_CATEGORY: Final = "invalid_category"
ROLE_NOT_ALLOWED: Final = "role_not_allowed"
SOD_OWNER_CONFLICT: Final = "sod_owner_conflict"
