"""An LLM application's evidence: evaluation and red-team results, prompt templates, guardrail
configurations and tool manifests.

Results are read by ``govern.llm`` from what the tool wrote (an Inspect log, lm-eval results with
their samples, promptfoo or garak output) and stored as their canonical JSON (RFC 8785): the stored
bytes, whose digest approvals are bound to, hold every per-sample outcome and the tool's own
reproducibility facts (task hashes, task versions, package versions, the configuration's digest).
The original files' digests are kept beside them. Configuration files are stored as given.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Final

from govern.core import canonical_json

LLM_RESULTS_MEDIA_TYPE: Final = "application/vnd.govern.llm-results+json"
RESULT_ROLES: Final = ("llm_eval", "redteam")
CONFIG_ROLES: Final = ("prompt", "guardrails", "tools")
_CONFIG_MEDIA_TYPES: Final = {"prompt": "text/plain", "guardrails": "application/yaml", "tools": "application/yaml"}


def _file_digests(source: Path) -> dict[str, str]:
    files = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else [source]
    out = {}
    for p in files:
        with p.open("rb") as f:
            out[p.name] = "sha256:" + hashlib.file_digest(f, "sha256").hexdigest()
    return out


def results_bytes(source: Path) -> tuple[bytes, dict[str, Any]]:
    """The canonical bytes to store for the results at ``source`` and their provenance (tool,
    version, the results' own digest, the original files' digests)."""
    from govern.llm import read_eval_results

    results = read_eval_results(source)
    provenance = {
        "tool": results.tool,
        "tool_version": results.tool_version,
        "results_digest": results.digest(),
        "samples": len(results.samples),
        "files": _file_digests(source),
    }
    return canonical_json(results.to_json()), provenance


def validate_config(role: str, source: Path) -> str:
    """Read ``source`` as ``role``'s configuration (located ``llm_config_invalid`` when it is not)
    and return its media type."""
    from govern.llm import read_guardrails, read_text, read_tools

    if role == "prompt":
        read_text(source)
    elif role == "guardrails":
        read_guardrails(source)
    else:
        read_tools(source)
    return _CONFIG_MEDIA_TYPES[role]
