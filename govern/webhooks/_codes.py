"""Error codes of ``govern.webhooks``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

NOT_FOUND: Final = "not_found"
WEBHOOK_KIND_UNKNOWN: Final = "webhook_kind_unknown"
WEBHOOK_SIGNATURE_INVALID: Final = "webhook_signature_invalid"
WEBHOOK_SIGNATURE_MALFORMED: Final = "webhook_signature_malformed"
WEBHOOK_SIGNATURE_STALE: Final = "webhook_signature_stale"
WEBHOOK_URL_INVALID: Final = "webhook_url_invalid"
