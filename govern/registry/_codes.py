"""Error codes of ``govern.registry``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

MLFLOW_IMPORT_FAILED: Final = "mlflow_import_failed"
MLFLOW_MISSING: Final = "mlflow_missing"
MLFLOW_URI_MISSING: Final = "mlflow_uri_missing"
