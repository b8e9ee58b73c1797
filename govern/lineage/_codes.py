"""Error codes of ``govern.lineage``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

FILE_NOT_FOUND: Final = "file_not_found"
FILE_UNREADABLE: Final = "file_unreadable"
INVALID_REF: Final = "invalid_ref"
JSON_PARSE_ERROR: Final = "json_parse_error"
LINEAGE_CYCLE: Final = "lineage_cycle"
MANIFEST_INVALID: Final = "manifest_invalid"
MODEL_EXISTS: Final = "model_exists"
NOT_FOUND: Final = "not_found"
OPENLINEAGE_INVALID: Final = "openlineage_invalid"
UNKNOWN_REFERENCE: Final = "unknown_reference"
UNSUPPORTED_FILE: Final = "unsupported_file"
YAML_PARSE_ERROR: Final = "yaml_parse_error"
