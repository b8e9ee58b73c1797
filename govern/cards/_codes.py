"""Error codes of ``govern.cards``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

CARD_FENCE_UNCLOSED: Final = "card_fence_unclosed"
CARD_FIELD_MISSING: Final = "card_field_missing"
CARD_FORMAT_UNKNOWN: Final = "card_format_unknown"
CARD_METRIC_INVALID: Final = "card_metric_invalid"
CARD_PARSE_ERROR: Final = "card_parse_error"
CARD_SCHEMA_ERROR: Final = "card_schema_error"
CARD_SECTION_AMBIGUOUS: Final = "card_section_ambiguous"
CARD_TIER_UNKNOWN: Final = "card_tier_unknown"
CARD_UNREADABLE: Final = "card_unreadable"
