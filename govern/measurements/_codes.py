"""Error codes of ``govern.measurements``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

MEASUREMENT_INVALID: Final = "measurement_invalid"
UNKNOWN_CHECK: Final = "unknown_check"
