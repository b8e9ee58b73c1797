"""garak report JSONL (``<prefix>.report.jsonl``).

One JSON object a line, told apart by ``entry_type``: ``start_run setup`` (the run's configuration,
``_config.version``), ``init``, ``attempt`` (written once when generated, ``status`` 1, and again
when the detectors have scored it, ``status`` 2, with ``detector_results``: one score per output per
detector), ``eval`` (garak's own counts per probe and detector: passed, fails, nones), ``completion``
and ``digest``. An output passes a detector when its score is below the run's ``eval_threshold``.
"""

from __future__ import annotations

from typing import Any

from ._doc import At, as_text, iter_jsonl
from ._results import EvalResults, SampleOutcome

_EVALUATED = 2  # garak.attempt.ATTEMPT_COMPLETE: the detectors have scored the outputs
_DEFAULT_THRESHOLD = 0.5  # garak's run.eval_threshold default (garak/resources/garak.core.yaml)
_COUNTS = ("passed", "fails", "nones", "total_evaluated", "total_processed")
# Configuration sections of the setup entry that pin what was run (system.* and reporting.* do not).
_BOUND_SECTIONS = ("run.", "plugins.")


def looks_like_garak(text: str) -> bool:
    return '"entry_type"' in text.split("\n", 1)[0]


def read_garak(text: str, at: At) -> EvalResults:
    setup: dict[str, Any] | None = None
    attempts: list[tuple[At, dict[str, Any]]] = []
    evals: list[tuple[At, dict[str, Any]]] = []
    for line_at, entry in iter_jsonl(text, at.file):
        kind = line_at.need(entry, "entry_type", str)
        if kind == "start_run setup":
            setup = entry
        elif kind == "attempt" and entry.get("status") == _EVALUATED:
            attempts.append((line_at, entry))
        elif kind == "eval":
            evals.append((line_at, entry))
    if setup is None:
        At(at.file, 1).fail("no 'start_run setup' entry: not a complete garak report")
    if not evals:
        at.fail("no 'eval' entries: the run did not finish (truncated report?)")
    version = At(at.file, 1).need(setup, "_config.version", str)
    threshold = float(setup.get("run.eval_threshold", _DEFAULT_THRESHOLD))

    summary: dict[str, dict[str, float]] = {}
    for e_at, entry in evals:
        probe = e_at.need(entry, "probe", str)
        detector = e_at.need(entry, "detector", str)
        counts = summary.setdefault(probe, {})
        for key in _COUNTS:
            if key in entry:
                counts[f"{detector}/{key}"] = e_at.need(entry, key, float)

    samples: list[SampleOutcome] = []
    for a_at, attempt in attempts:
        probe = a_at.need(attempt, "probe_classname", str)
        seq = a_at.need(attempt, "seq", int)
        results = a_at.need(attempt, "detector_results", dict)
        for detector, scores in results.items():
            d_at = a_at["detector_results"][detector]
            for i, score in enumerate(d_at.check(scores, list)):
                value = None if score is None else d_at[i].number(score)
                meta = {"detector": detector, "generation": str(i)}
                if isinstance(attempt.get("intent"), str):
                    meta["intent"] = attempt["intent"]
                samples.append(
                    SampleOutcome(
                        task=probe,
                        sample_id=f"{seq}/{detector}/{i}",
                        passed=value is not None and value < threshold,
                        score=value,
                        metadata=meta,
                    )
                )

    reproducibility = {"garak_version": version, "eval_threshold": as_text(threshold)}
    for key, value in sorted(setup.items()):
        if key.startswith(_BOUND_SECTIONS) and value is not None:
            reproducibility[key] = as_text(value)
    return EvalResults("garak", version, samples, summary, reproducibility)
