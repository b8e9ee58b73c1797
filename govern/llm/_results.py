"""The one typed form every evaluation tool's results are read into."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from govern.core import GovernError, json_digest

from ._codes import LLM_RESULTS_INVALID

Tool = Literal["inspect", "lm-eval", "promptfoo", "garak"]
TOOLS: tuple[Tool, ...] = ("inspect", "lm-eval", "promptfoo", "garak")


@dataclass(frozen=True, slots=True)
class SampleOutcome:
    """One evaluated sample, as the tool judged it.

    ``task`` is the tool's task (Inspect task, lm-eval task, promptfoo prompt label, garak probe);
    ``sample_id`` is unique within the task; ``passed`` is the tool's own verdict; ``score`` its
    number for the sample, when it gives one; ``metadata`` the per-sample facts worth keeping
    (scorer or detector, epoch, the tool's per-sample hashes, a red-team probe family).
    """

    task: str
    sample_id: str
    passed: bool
    score: float | None
    metadata: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class EvalResults:
    """What one run of an evaluation tool wrote, read into one form.

    ``summary`` holds the tool's own per-task numbers as it wrote them (not recomputed);
    ``reproducibility`` the tool's own versions and digests that pin what was run (task hashes,
    task versions, package versions, the configuration's digest). Neither holds a timestamp or a
    run id, so two runs of the same evaluation with the same outcomes have the same ``digest``.
    """

    tool: Tool
    tool_version: str
    samples: list[SampleOutcome]
    summary: dict[str, dict[str, float]]
    reproducibility: dict[str, str]

    def digest(self) -> str:
        """``sha256:<hex>`` over the canonical JSON of the tool, the samples (in task and id
        order, so the order a tool wrote them in does not matter) and the reproducibility facts."""
        samples = sorted(self.samples, key=lambda s: (s.task, s.sample_id))
        return json_digest(
            {
                "tool": self.tool,
                "tool_version": self.tool_version,
                "samples": [s.to_json() for s in samples],
                "reproducibility": dict(self.reproducibility),
            }
        )

    def to_json(self) -> dict[str, Any]:
        """Plain data: what govern stores as the evidence (canonical JSON, samples in task and id order)."""
        return {
            "tool": self.tool,
            "tool_version": self.tool_version,
            "samples": [s.to_json() for s in sorted(self.samples, key=lambda s: (s.task, s.sample_id))],
            "summary": {task: dict(numbers) for task, numbers in sorted(self.summary.items())},
            "reproducibility": dict(sorted(self.reproducibility.items())),
        }

    @classmethod
    def from_json(cls, data: Any, *, name: str = "llm evidence") -> EvalResults:
        """Read :meth:`to_json`'s output back; ``llm_results_invalid`` (at ``name``) when it is not."""
        try:
            tool = data["tool"]
            if tool not in TOOLS:
                raise ValueError(f"unknown tool {tool!r}")
            samples = [
                SampleOutcome(
                    task=str(s["task"]),
                    sample_id=str(s["sample_id"]),
                    passed=bool(s["passed"]),
                    score=None if s.get("score") is None else float(s["score"]),
                    metadata={str(k): str(v) for k, v in (s.get("metadata") or {}).items()},
                )
                for s in data["samples"]
            ]
            summary = {str(t): {str(k): float(v) for k, v in n.items()} for t, n in data["summary"].items()}
            repro = {str(k): str(v) for k, v in data["reproducibility"].items()}
            return cls(tool, str(data["tool_version"]), samples, summary, repro)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GovernError(
                LLM_RESULTS_INVALID, f"{name}: not govern's stored form of evaluation results ({exc})"
            ) from None

    def pass_counts(self) -> dict[str, tuple[int, int]]:
        """Per task: (samples passed, samples evaluated)."""
        counts: dict[str, tuple[int, int]] = {}
        for s in self.samples:
            passed, total = counts.get(s.task, (0, 0))
            counts[s.task] = (passed + s.passed, total + 1)
        return counts
