"""Error codes of ``govern.store``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

DATABASE_UNAVAILABLE: Final = "database_unavailable"
DATABASE_URL_INVALID: Final = "database_url_invalid"
WORKSPACE_NEWER: Final = "workspace_newer"
WORKSPACE_NOT_INITIALIZED: Final = "workspace_not_initialized"
WORKSPACE_OUTDATED: Final = "workspace_outdated"
