"""Error codes of ``govern.decisions``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

APPROVAL_CLOSED: Final = "approval_closed"
APPROVAL_DUPLICATE: Final = "approval_duplicate"
APPROVAL_EXPIRED: Final = "approval_expired"
APPROVAL_VOID: Final = "approval_void"
INPUTS_CHANGED: Final = "inputs_changed"
INVALID_STAGE: Final = "invalid_stage"
JUSTIFICATION_REQUIRED: Final = "justification_required"
LEDGER_WRITE_FAILED: Final = "ledger_write_failed"
NOT_FOUND: Final = "not_found"
NO_APPLICABLE_RULE: Final = "no_applicable_rule"
PROMOTION_REQUIRES_GATE: Final = "promotion_requires_gate"
ROLE_NOT_ALLOWED: Final = "role_not_allowed"
RULE_AMBIGUOUS: Final = "rule_ambiguous"
SOD_AUTHOR_CONFLICT: Final = "sod_author_conflict"
SOD_OWNER_CONFLICT: Final = "sod_owner_conflict"
SOD_REQUESTER_CONFLICT: Final = "sod_requester_conflict"
UNKNOWN_RULE: Final = "unknown_rule"
WAIVER_EXPIRY_PAST: Final = "waiver_expiry_past"
