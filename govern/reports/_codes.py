"""Error codes of ``govern.reports``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

INVALID_PERIOD: Final = "invalid_period"
REPORT_DATA_INVALID: Final = "report_data_invalid"
REPORT_DECISION_MISMATCH: Final = "report_decision_mismatch"
REPORT_DECISION_NOT_CANONICAL: Final = "report_decision_not_canonical"
REPORT_DECISION_UNPROVEN: Final = "report_decision_unproven"
REPORT_EVIDENCE_MALFORMED: Final = "report_evidence_malformed"
REPORT_EVIDENCE_MISSING: Final = "report_evidence_missing"
REPORT_FORMAT_UNKNOWN: Final = "report_format_unknown"
REPORT_UNREADABLE: Final = "report_unreadable"
REPORT_WRITE_FAILED: Final = "report_write_failed"
