"""Error codes of ``govern.stats``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

CHECK_PARAMS_INVALID: Final = "check_params_invalid"
EVIDENCE_EMPTY: Final = "evidence_empty"
EVIDENCE_LABEL_NOT_BINARY: Final = "evidence_label_not_binary"
EVIDENCE_LABEL_SINGLE_CLASS: Final = "evidence_label_single_class"
EVIDENCE_MISSING: Final = "evidence_missing"
EVIDENCE_MISSING_COLUMN: Final = "evidence_missing_column"
EVIDENCE_MISSING_VALUES: Final = "evidence_missing_values"
EVIDENCE_ROLE_INVALID: Final = "evidence_role_invalid"
EVIDENCE_UNREADABLE: Final = "evidence_unreadable"
EVIDENCE_UNSUPPORTED_FORMAT: Final = "evidence_unsupported_format"
EVIDENCE_WRONG_TYPE: Final = "evidence_wrong_type"
STATS_BYTES_INVALID: Final = "stats_bytes_invalid"
STATS_COUNTS_INVALID: Final = "stats_counts_invalid"
STATS_ENGINE_UNAVAILABLE: Final = "stats_engine_unavailable"
STATS_ENGINE_UNKNOWN: Final = "stats_engine_unknown"
STATS_MERGE_MISMATCH: Final = "stats_merge_mismatch"
STATS_SPEC_INVALID: Final = "stats_spec_invalid"
