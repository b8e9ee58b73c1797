"""Error codes of ``govern.demo``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

DEMO_DEPENDENCY_MISSING: Final = "demo_dependency_missing"
DEMO_FOLDER: Final = "demo_folder"
DEMO_STEP_FAILED: Final = "demo_step_failed"
