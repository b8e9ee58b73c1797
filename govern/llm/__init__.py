"""LLM evaluation evidence: what Inspect AI, lm-evaluation-harness, promptfoo and garak write, read
into one typed form (:class:`EvalResults`) with the tool's own summary and reproducibility facts.

Pure parsing: imports only ``govern.core`` (and PyYAML for configuration files). Reference: docs/llm.md.
"""

from . import _codes as codes
from ._config import RAIL_SECTIONS, Guardrails, ToolGrant, read_guardrails, read_text, read_tools
from ._promptfoo import RUN_TOTALS
from ._read import read_eval_results
from ._results import TOOLS, EvalResults, SampleOutcome, Tool

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # the typed form
    "EvalResults",
    "SampleOutcome",
    "Tool",
    "TOOLS",
    "RUN_TOTALS",
    # reading
    "read_eval_results",
    # an application's configuration
    "Guardrails",
    "ToolGrant",
    "RAIL_SECTIONS",
    "read_guardrails",
    "read_tools",
    "read_text",
]
