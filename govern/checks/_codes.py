"""Error codes of ``govern.checks``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

CHAMPION_SCORING_FAILED: Final = "champion_scoring_failed"
CHECK_PARAMS_INVALID: Final = "check_params_invalid"
CHECK_RESULT_INVALID: Final = "check_result_invalid"
EVIDENCE_EMPTY: Final = "evidence_empty"
EVIDENCE_LABEL_NOT_BINARY: Final = "evidence_label_not_binary"
EVIDENCE_LABEL_SINGLE_CLASS: Final = "evidence_label_single_class"
EVIDENCE_LENGTH_MISMATCH: Final = "evidence_length_mismatch"
EVIDENCE_MAPPING_INVALID: Final = "evidence_mapping_invalid"
EVIDENCE_MISSING_COLUMN: Final = "evidence_missing_column"
EVIDENCE_WRONG_TYPE: Final = "evidence_wrong_type"
EXPLAIN_MODEL_FAILED: Final = "explain_model_failed"
STATS_MERGE_MISMATCH: Final = "stats_merge_mismatch"
UNKNOWN_CHECK: Final = "unknown_check"
