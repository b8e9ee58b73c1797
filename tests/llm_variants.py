"""promptfoo results files of a chosen size and outcome, derived from the real file promptfoo wrote.

The real files under tests/data/llm are a handful of tests against promptfoo's echo provider (so
most red-team attacks "succeed"); gating an application end to end needs runs of realistic size
with known outcomes. These keep promptfoo's exact row and summary shape (the parser reads them as
it reads the real file) and change only the number of rows, their verdicts and their metadata.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "llm" / "promptfoo"


def promptfoo_variant(source: str, outcomes: list[tuple[bool, dict[str, str]]], target: Path) -> Path:
    """Write to ``target`` the promptfoo file ``source`` (``results.json``, ``redteam-results.json``)
    with one row per ``(success, test metadata)`` of ``outcomes``, on its first prompt, and the
    per-prompt metrics and run totals promptfoo would have written for them."""
    doc: dict[str, Any] = json.loads((DATA / source).read_text(encoding="utf-8"))
    body = doc["results"]
    template = body["results"][0]
    rows = []
    for i, (success, metadata) in enumerate(outcomes):
        row = copy.deepcopy(template)
        row.update(
            id=f"variant-{i}",
            testIdx=i,
            promptIdx=0,
            success=success,
            score=1.0 if success else 0.0,
            failureReason=0 if success else 1,
        )
        row["testCase"] = {**row["testCase"], "description": f"case {i}", "metadata": dict(metadata)}
        rows.append(row)
    passed = sum(s for s, _ in outcomes)
    body["results"] = rows
    body["prompts"] = body["prompts"][:1]
    body["prompts"][0]["metrics"].update(
        score=float(passed),
        testPassCount=passed,
        testFailCount=len(outcomes) - passed,
        testErrorCount=0,
        assertPassCount=passed,
        assertFailCount=len(outcomes) - passed,
    )
    body["stats"].update(successes=passed, failures=len(outcomes) - passed, errors=0)
    target.write_text(json.dumps(doc), encoding="utf-8")
    return target
