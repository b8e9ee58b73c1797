"""Error codes of ``govern.evidence``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

EVIDENCE_BLOB_MISSING: Final = "evidence_blob_missing"
EVIDENCE_DIGEST_INVALID: Final = "evidence_digest_invalid"
EVIDENCE_EMPTY: Final = "evidence_empty"
EVIDENCE_EMPTY_GROUP: Final = "evidence_empty_group"
EVIDENCE_LABEL_NOT_BINARY: Final = "evidence_label_not_binary"
EVIDENCE_MAPPING_INVALID: Final = "evidence_mapping_invalid"
EVIDENCE_MISSING: Final = "evidence_missing"
EVIDENCE_MISSING_COLUMN: Final = "evidence_missing_column"
EVIDENCE_MISSING_VALUES: Final = "evidence_missing_values"
EVIDENCE_MODEL_UNTRUSTED_TYPE: Final = "evidence_model_untrusted_type"
EVIDENCE_PICKLE_REFUSED: Final = "evidence_pickle_refused"
EVIDENCE_RETENTION_ACTIVE: Final = "evidence_retention_active"
EVIDENCE_ROLE_INVALID: Final = "evidence_role_invalid"
EVIDENCE_UNREADABLE: Final = "evidence_unreadable"
EVIDENCE_UNSUPPORTED_FORMAT: Final = "evidence_unsupported_format"
EVIDENCE_WRONG_TYPE: Final = "evidence_wrong_type"
