"""Error codes of ``govern.cli``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

FILE_NOT_FOUND: Final = "file_not_found"
INVALID_FORMAT: Final = "invalid_format"
INVALID_OPTION: Final = "invalid_option"
INVALID_REF: Final = "invalid_ref"
INVALID_TAG: Final = "invalid_tag"
PROOF_MALFORMED: Final = "proof_malformed"
ROLE_NOT_ALLOWED: Final = "role_not_allowed"
STATS_ENGINE_UNKNOWN: Final = "stats_engine_unknown"
