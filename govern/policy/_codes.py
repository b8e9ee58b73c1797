"""Error codes of ``govern.policy``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

CONTROL_CATALOG_ERROR: Final = "control_catalog_error"
FACTS_INVALID: Final = "facts_invalid"
MEASUREMENT_INVALID: Final = "measurement_invalid"
MEASUREMENT_MISSING_FIELD: Final = "measurement_missing_field"
PACK_KEY_INVALID: Final = "pack_key_invalid"
PACK_SIGNATURE_INVALID: Final = "pack_signature_invalid"
PACK_SIGNER_UNTRUSTED: Final = "pack_signer_untrusted"
PACK_TRUST_MISSING: Final = "pack_trust_missing"
PACK_UNSIGNED: Final = "pack_unsigned"
TIERING_ERROR: Final = "tiering_error"
TIERING_MISSING: Final = "tiering_missing"
