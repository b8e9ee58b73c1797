"""Error codes of ``govern.core``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

CANONICAL_JSON_ERROR: Final = "canonical_json_error"
INVALID_REF: Final = "invalid_ref"
INVALID_TIME: Final = "invalid_time"
RESOURCE_MISSING: Final = "resource_missing"
SETTINGS_ERROR: Final = "settings_error"
UNSAFE_CLOCK_REFUSED: Final = "unsafe_clock_refused"
