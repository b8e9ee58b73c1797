"""Error codes of ``govern.llm``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

LLM_CONFIG_INVALID: Final = "llm_config_invalid"
LLM_RESULTS_INVALID: Final = "llm_results_invalid"
LLM_RESULTS_UNKNOWN_FORMAT: Final = "llm_results_unknown_format"
LLM_RESULTS_UNREADABLE: Final = "llm_results_unreadable"
