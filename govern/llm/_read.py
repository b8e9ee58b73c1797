"""Detect which tool wrote a results file and read it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from govern.core import GovernError, Location

from ._codes import LLM_RESULTS_UNKNOWN_FORMAT, LLM_RESULTS_UNREADABLE
from ._doc import At, parse_json
from ._garak import looks_like_garak, read_garak
from ._inspect import looks_like_inspect, read_inspect_json, read_inspect_zip
from ._lm_eval import find_lm_eval_results, looks_like_lm_eval, read_lm_eval
from ._promptfoo import looks_like_promptfoo, read_promptfoo
from ._results import EvalResults

_FORMATS = (
    "an Inspect AI log (.eval or .json), lm-evaluation-harness results (results_*.json or its folder), "
    "promptfoo results JSON, or a garak report (.report.jsonl)"
)


def read_eval_results(path: Path | str) -> EvalResults:
    """Read what an LLM evaluation tool wrote, whichever of the four it was.

    Parameters
    ----------
    path:
        An Inspect AI log (``.eval`` zip or ``.json``), an lm-evaluation-harness ``results_*.json``
        (its ``samples_<task>_*.jsonl`` beside it, from ``--log_samples``) or the folder holding
        it, a promptfoo ``-o results.json``, or a garak ``*.report.jsonl``.

    Returns
    -------
    EvalResults
        The samples as the tool judged them, its own summary numbers and reproducibility facts.

    Raises
    ------
    GovernError
        ``llm_results_unreadable`` when the file is missing or cannot be read as UTF-8,
        ``llm_results_unknown_format`` when no tool's shape matches, ``llm_results_invalid`` (at
        the file, the line for JSON Lines and JSON syntax errors, and the JSON path) when the file
        is one tool's but malformed or truncated.
    """
    path = Path(path)
    if path.is_dir():
        path = find_lm_eval_results(path)
    if path.suffix == ".eval" or (path.suffix != ".json" and zipfile.is_zipfile(path)):
        return read_inspect_zip(path)
    text = _read_text(path)
    at = At(str(path))
    if path.suffix == ".jsonl":
        if looks_like_garak(text):
            return read_garak(text, at)
        raise GovernError(LLM_RESULTS_UNKNOWN_FORMAT, f"not a garak report; expected {_FORMATS}", at.location())
    doc = parse_json(text, at)
    if looks_like_inspect(doc):
        return read_inspect_json(doc, at)
    if looks_like_lm_eval(doc):
        return read_lm_eval(doc, at, path)
    if looks_like_promptfoo(doc):
        return read_promptfoo(doc, at)
    raise GovernError(
        LLM_RESULTS_UNKNOWN_FORMAT, f"not a results file govern reads; expected {_FORMATS}", at.location()
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GovernError(LLM_RESULTS_UNREADABLE, "no such file", Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GovernError(LLM_RESULTS_UNREADABLE, f"cannot read: {exc}", Location(str(path))) from None
