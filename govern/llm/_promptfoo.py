"""promptfoo results JSON (``promptfoo eval -o results.json``), red-team runs included.

The file holds ``results.prompts`` (one entry per prompt and provider, with promptfoo's per-prompt
``metrics``), ``results.results`` (one row per test and prompt, with the tool's ``success`` and
``score``), ``results.stats`` (run totals), the ``config`` it ran and ``metadata.promptfooVersion``.
Red-team tests carry ``metadata.pluginId`` (the probe family) and ``metadata.strategyId``.
"""

from __future__ import annotations

from typing import Any

from govern.core import json_digest

from ._doc import At, as_text
from ._results import EvalResults, SampleOutcome

# The run totals in ``results.stats``, as the summary entry for the whole run.
RUN_TOTALS = "*"
_PROMPT_METRICS = ("score", "testPassCount", "testFailCount", "testErrorCount", "assertPassCount", "assertFailCount")
_STATS = ("successes", "failures", "errors")
_FAILURE_REASONS = {0: "none", 1: "assert", 2: "error"}
# Red-team metadata promptfoo writes for every generated test; read as probe_family and strategy.
_RED_TEAM_KEYS = ("pluginId", "strategyId", "pluginConfig", "strategyConfig", "severity", "goal", "purpose")
# Where the file was written and the environment it ran in do not change what was evaluated (and the
# environment may hold provider keys).
_CONFIG_UNBOUND = ("outputPath", "env")


def looks_like_promptfoo(doc: Any) -> bool:
    results = doc.get("results") if isinstance(doc, dict) else None
    return isinstance(results, dict) and "stats" in results and "prompts" in results


def read_promptfoo(doc: dict[str, Any], at: At) -> EvalResults:
    version = at["metadata"].need(at.need(doc, "metadata", dict), "promptfooVersion", str)
    body = at.need(doc, "results", dict)
    here = at["results"]
    prompts = here.need(body, "prompts", list)
    tasks: list[str] = []
    summary: dict[str, dict[str, float]] = {}
    reproducibility = {"promptfoo_version": version}
    for i, prompt in enumerate(prompts):
        p_at = here["prompts"][i]
        label = p_at.need(prompt, "label", str)
        provider = p_at.need(prompt, "provider", str)
        task = f"[{provider}] {label}"
        tasks.append(task)
        metrics = p_at.need(prompt, "metrics", dict)
        summary[task] = {k: p_at["metrics"].need(metrics, k, float) for k in _PROMPT_METRICS}
        reproducibility[f"prompt_id.{task}"] = p_at.need(prompt, "id", str)
    stats = here.need(body, "stats", dict)
    summary[RUN_TOTALS] = {k: here["stats"].need(stats, k, float) for k in _STATS}

    samples: list[SampleOutcome] = []
    rows = here.need(body, "results", list)
    for i, row in enumerate(rows):
        r_at = here["results"][i]
        prompt_idx = r_at.need(row, "promptIdx", int)
        if not 0 <= prompt_idx < len(tasks):
            r_at["promptIdx"].fail(f"no prompt {prompt_idx} in results.prompts")
        test_idx = r_at.need(row, "testIdx", int)
        test = r_at.need(row, "testCase", dict)
        test_meta = r_at["testCase"].opt(test, "metadata", dict) or {}
        meta = {"provider": r_at["provider"].need(r_at.need(row, "provider", dict), "id", str)}
        reason = r_at.opt(row, "failureReason", int)  # 0 none, 1 an assertion failed, 2 an error
        if reason is not None:
            meta["failure_reason"] = _FAILURE_REASONS.get(reason, str(reason))
        description = r_at["testCase"].opt(test, "description", str)
        if description is not None:
            meta["description"] = description
        if "pluginId" in test_meta:
            meta["probe_family"] = as_text(test_meta["pluginId"])
        if "strategyId" in test_meta:
            meta["strategy"] = as_text(test_meta["strategyId"])
        for key, value in test_meta.items():  # the test's own metadata (a group, a language): group_by keys
            if key not in _RED_TEAM_KEYS and isinstance(value, (str, int, float, bool)):
                meta.setdefault(key, as_text(value))
        samples.append(
            SampleOutcome(
                task=tasks[prompt_idx],
                sample_id=str(test_idx),
                passed=r_at.need(row, "success", bool),
                score=r_at.need(row, "score", float),
                metadata=meta,
            )
        )

    config = at.need(doc, "config", dict)
    reproducibility["config_digest"] = json_digest({k: v for k, v in config.items() if k not in _CONFIG_UNBOUND})
    return EvalResults("promptfoo", version, samples, summary, reproducibility)
