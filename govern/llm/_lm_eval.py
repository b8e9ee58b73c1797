"""lm-evaluation-harness output: ``results_<date>.json`` and its ``samples_<task>_<date>.jsonl``.

``lm_eval --output_path OUT --log_samples`` writes both into ``OUT/<model>/``. The results JSON holds
the harness's own aggregated metrics per task (``"acc,none"``, ``"acc_stderr,none"``: metric, filter),
each task's config, version and ``task_hashes``; each samples line one document with its per-sample
metric values and the harness's ``doc_hash``, ``prompt_hash`` and ``target_hash``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govern.core import GovernError, Location, json_digest

from ._codes import LLM_RESULTS_INVALID, LLM_RESULTS_UNKNOWN_FORMAT, LLM_RESULTS_UNREADABLE
from ._doc import At, as_text, iter_jsonl
from ._results import EvalResults, SampleOutcome

_SEEDS = ("random_seed", "numpy_seed", "torch_seed", "fewshot_seed")
_TOP_FACTS = (
    "git_hash",
    "transformers_version",
    "system_instruction_sha",
    "chat_template_sha",
    "model_source",
    "model_name",
)
_SAMPLE_HASHES = ("doc_hash", "prompt_hash", "target_hash")


def looks_like_lm_eval(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("results"), dict)
        and "versions" in doc
        and ("configs" in doc or "task_hashes" in doc)
    )


def find_lm_eval_results(folder: Path) -> Path:
    """The one ``results*.json`` in ``folder`` or below (lm-eval writes ``OUT/<model>/results_*.json``)."""
    found = sorted(folder.rglob("results*.json"))
    if not found:
        raise GovernError(LLM_RESULTS_UNKNOWN_FORMAT, "no lm-eval results*.json in this folder", Location(str(folder)))
    if len(found) > 1:
        names = ", ".join(str(p.relative_to(folder)) for p in found)
        raise GovernError(
            LLM_RESULTS_INVALID, f"several lm-eval runs here ({names}): name one results file", Location(str(folder))
        )
    return found[0]


def read_lm_eval(doc: dict[str, Any], at: At, path: Path) -> EvalResults:
    version = at.opt(doc, "lm_eval_version", str) or "unknown"
    results = at.need(doc, "results", dict)
    configs = at.need(doc, "configs", dict)
    summary: dict[str, dict[str, float]] = {}
    for task, metrics in results.items():
        t_at = at["results"][task]
        t_at.check(metrics, dict)
        # Non-numbers are the alias, the name and "N/A" for a stderr the harness did not compute.
        summary[task] = {
            k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)
        }
    n_samples = at.opt(doc, "n-samples", dict) or {}
    for task, counts in n_samples.items():
        for key in ("original", "effective"):
            if isinstance(counts, dict) and key in counts:
                summary.setdefault(task, {})[f"n-samples.{key}"] = at["n-samples"][task][key].number(counts[key])

    reproducibility = {"lm_eval_version": version}
    for key in _TOP_FACTS:
        if doc.get(key) is not None:
            reproducibility[key] = as_text(doc[key])
    model = at.opt(doc, "config", dict) or {}
    if "model" in model:
        reproducibility["model"] = as_text(model["model"])
    reproducibility["model_args"] = as_text(model.get("model_args", {}))
    for key in _SEEDS:
        if model.get(key) is not None:
            reproducibility[key] = as_text(model[key])
    hashes = at.opt(doc, "task_hashes", dict) or {}
    versions = at.need(doc, "versions", dict)
    n_shot = at.opt(doc, "n-shot", dict) or {}
    for task in sorted(configs):
        reproducibility[f"config_digest.{task}"] = json_digest(configs[task])
        if task in hashes:
            reproducibility[f"task_hash.{task}"] = as_text(hashes[task])
        if task in versions:
            reproducibility[f"version.{task}"] = as_text(versions[task])
        if task in n_shot:
            reproducibility[f"n-shot.{task}"] = as_text(n_shot[task])

    samples: list[SampleOutcome] = []
    for task in sorted(configs):
        samples.extend(_read_samples(_samples_file(path, task), task))
    return EvalResults("lm-eval", version, samples, summary, reproducibility)


def _samples_file(results: Path, task: str) -> Path:
    date = results.stem.removeprefix("results").removeprefix("_")
    candidate = results.with_name(f"samples_{task}_{date}.jsonl")
    if not candidate.is_file():
        raise GovernError(
            LLM_RESULTS_INVALID,
            f"no {candidate.name} beside the results: run lm_eval with --log_samples and keep its samples files",
            Location(str(results)),
        )
    return candidate


def _read_samples(path: Path, task: str) -> list[SampleOutcome]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GovernError(LLM_RESULTS_UNREADABLE, f"cannot read: {exc}", Location(str(path))) from None
    samples = []
    for at, line in iter_jsonl(text, str(path)):
        doc_id = at.need(line, "doc_id", int)
        metrics = at.need(line, "metrics", list)
        if not metrics:
            at["metrics"].fail("the sample names no metric")
        metric = at["metrics"][0].check(metrics[0], str)
        score = at.need(line, metric, float)
        flt = at.opt(line, "filter", str) or "none"
        meta = {"metric": metric, "filter": flt}
        meta |= {key: at.need(line, key, str) for key in _SAMPLE_HASHES if key in line}
        sample_id = str(doc_id) if flt == "none" else f"{doc_id}/{flt}"
        # A sample passes when its first metric is 1: a correct answer for acc, exact_match and the like.
        samples.append(SampleOutcome(task, sample_id, score == 1.0, score, meta))
    return samples
