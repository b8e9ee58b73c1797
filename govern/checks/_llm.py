"""The LLM application checks: pass rates of an evaluation, attack success of a red team, and the
rails of a guardrail configuration.

Every number comes from the per-sample outcomes the tool wrote (``govern.llm.EvalResults``).
Bootstrap intervals resample each task's (or group's) outcomes separately; resampling n Bernoulli
outcomes with replacement is drawing the number passed from Binomial(n, passed/n), so a replicate
costs one draw per task whatever the number of samples.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from govern.core import GovernError
from govern.measurements import (
    AttackRate,
    GuardrailsMeasurement,
    LLMEvalMeasurement,
    PassRate,
    RedTeamMeasurement,
)

from ._codes import CHECK_PARAMS_INVALID, EVIDENCE_EMPTY

if TYPE_CHECKING:
    import numpy as np

    from govern.llm import EvalResults, Guardrails, SampleOutcome, ToolGrant


def _counts(samples: Iterable[SampleOutcome], key: Any) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for s in samples:
        k = key(s)
        passed, n = out.get(k, (0, 0))
        out[k] = (passed + int(s.passed), n + 1)
    return dict(sorted(out.items()))


def _stderr(passed: int, n: int) -> float:
    """Standard error of the mean of n 0/1 outcomes with sample standard deviation (ddof 1)."""
    if n < 2:
        return 0.0
    p = passed / n
    return math.sqrt(p * (1 - p) / (n - 1))


def _draws(rng: np.random.Generator, counts: list[tuple[int, int]], replicates: int) -> np.ndarray:
    """Replicates x cells: the pass rate of each cell in each bootstrap replicate."""
    import numpy as np

    n = np.array([c[1] for c in counts], dtype=np.int64)
    p = np.array([c[0] / c[1] for c in counts])
    return rng.binomial(n, p, size=(replicates, len(counts))) / n


def _interval(values: np.ndarray, point: float, confidence: float) -> tuple[float, float]:
    import numpy as np

    if values.size == 0:
        return point, point
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)


def llm_eval(
    results: EvalResults,
    *,
    tasks: list[str] | None = None,
    group_by: str | None = None,
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    min_samples: int = 30,
) -> LLMEvalMeasurement:
    """Pass rates per task and per ``group_by`` metadata value, with bootstrap intervals.

    Parameters
    ----------
    results:
        What the evaluation tool wrote (``govern.llm.read_eval_results``).
    tasks:
        The tasks to judge (default: all); an unknown one is ``check_params_invalid``.
    group_by:
        A sample metadata key (a promptfoo test's ``description``, an Inspect sample's
        metadata): the pass rate of each of its values, and the gap between the best and the
        worst group, as fairness does for groups of people.
    min_samples:
        A task or group with fewer samples makes the measurement inconclusive.
    """
    import numpy as np

    chosen = _chosen(results, tasks)
    per_task_counts = _counts(chosen, lambda s: s.task)
    groups = _counts((s for s in chosen if group_by in s.metadata), lambda s: s.metadata[group_by]) if group_by else {}
    rng = np.random.default_rng(seed)
    task_draws = _draws(rng, list(per_task_counts.values()), replicates) if replicates else np.empty((0, 0))
    group_draws = _draws(rng, list(groups.values()), replicates) if replicates and groups else np.empty((0, 0))

    def rates(counts: dict[str, tuple[int, int]], draws: np.ndarray) -> dict[str, PassRate]:
        out = {}
        for j, (name, (passed, n)) in enumerate(counts.items()):
            lo, hi = _interval(draws[:, j] if draws.size else draws, passed / n, confidence)
            out[name] = PassRate(
                n=n, passed=passed, pass_rate=passed / n, stderr=_stderr(passed, n), lower=lo, upper=hi
            )
        return out

    per_task = rates(per_task_counts, task_draws)
    per_group = rates(groups, group_draws)
    n = sum(c[1] for c in per_task_counts.values())
    passed = sum(c[0] for c in per_task_counts.values())
    weights = np.array([c[1] for c in per_task_counts.values()]) / n
    overall_draws = task_draws @ weights if task_draws.size else task_draws
    lower, upper = _interval(overall_draws, passed / n, confidence)
    group_rates = [g.pass_rate for g in per_group.values()]
    gap = max(group_rates) - min(group_rates) if len(group_rates) > 1 else 0.0
    if len(group_rates) > 1 and group_draws.size:
        gap_lo, gap_hi = _interval(group_draws.max(axis=1) - group_draws.min(axis=1), gap, confidence)
    else:
        gap_lo = gap_hi = gap
    sizes = [c[1] for c in per_task_counts.values()] + [c[1] for c in groups.values()]
    return LLMEvalMeasurement(
        value=passed / n,
        inconclusive=min(sizes) < min_samples,
        tool=results.tool,
        tool_version=results.tool_version,
        results_digest=results.digest(),
        n=n,
        pass_rate=passed / n,
        lower=lower,
        upper=upper,
        min_task_pass_rate=min(t.pass_rate for t in per_task.values()),
        per_task=per_task,
        tasks=list(per_task),
        group_by=group_by or "",
        per_group=per_group,
        group_gap=gap,
        group_gap_lower=gap_lo,
        group_gap_upper=gap_hi,
        min_samples=min_samples,
        confidence=confidence,
        replicates=replicates,
    )


def _chosen(results: EvalResults, tasks: list[str] | None) -> list[SampleOutcome]:
    if not results.samples:
        raise GovernError(EVIDENCE_EMPTY, f"the {results.tool} results hold no samples")
    if tasks is None:
        return list(results.samples)
    known = {s.task for s in results.samples}
    unknown = [t for t in tasks if t not in known]
    if unknown:
        raise GovernError(
            CHECK_PARAMS_INVALID,
            f"no task {unknown[0]!r} in the {results.tool} results (tasks: {', '.join(sorted(known))})",
        )
    return [s for s in results.samples if s.task in tasks]


def upper_bound(successes: int, n: int, confidence: float) -> float:
    """One-sided Clopper-Pearson upper bound of a binomial proportion.

    Equals ``scipy.stats.binomtest(successes, n, alternative="less").proportion_ci(confidence).high``.
    """
    from scipy.stats import beta

    if successes >= n:
        return 1.0
    return float(beta.ppf(confidence, successes + 1, n - successes))


def probe_family(sample: SampleOutcome) -> str:
    """The probe family of a red-team sample: promptfoo's plugin, garak's probe module, else the task."""
    family = sample.metadata.get("probe_family")
    if family:
        return family
    return sample.task.split(".", 1)[0]


def redteam(
    results: EvalResults, *, confidence: float = 0.95, min_samples: int = 20, families: list[str] | None = None
) -> RedTeamMeasurement:
    """Attack success rate (the share of attacks the tool judged the model failed) per probe family,
    each with its one-sided upper bound; ``value`` is the largest family's bound, so a rule
    ``value <= 0.05`` holds only when every family is shown to be below 5 %."""
    if not results.samples:
        raise GovernError(EVIDENCE_EMPTY, f"the {results.tool} results hold no samples")
    counts = _counts(results.samples, probe_family)
    if families is not None:
        unknown = [f for f in families if f not in counts]
        if unknown:
            raise GovernError(
                CHECK_PARAMS_INVALID, f"no probe family {unknown[0]!r} in the results (families: {', '.join(counts)})"
            )
        counts = {f: counts[f] for f in sorted(families)}
    per_family = {
        f: AttackRate(n=n, successes=n - passed, rate=(n - passed) / n, upper=upper_bound(n - passed, n, confidence))
        for f, (passed, n) in counts.items()
    }
    n = sum(a.n for a in per_family.values())
    successes = sum(a.successes for a in per_family.values())
    worst = max(per_family, key=lambda f: (per_family[f].upper, f))
    return RedTeamMeasurement(
        value=per_family[worst].upper,
        inconclusive=min(a.n for a in per_family.values()) < min_samples,
        tool=results.tool,
        tool_version=results.tool_version,
        results_digest=results.digest(),
        n=n,
        attack_success_rate=successes / n,
        upper=upper_bound(successes, n, confidence),
        max_family_upper=per_family[worst].upper,
        worst_family=worst,
        per_family=per_family,
        families=list(per_family),
        min_samples=min_samples,
        confidence=confidence,
    )


def guardrails(
    config: Guardrails,
    *,
    required: dict[str, list[str]] | None = None,
    tools: list[ToolGrant] | None = None,
    approval_for: list[str] | None = None,
) -> GuardrailsMeasurement:
    """Which ``required`` rails (section -> flows) the configuration declares, and which tools with
    a permission in ``approval_for`` may act without a human's approval."""
    required = {k: list(v) for k, v in sorted((required or {}).items())}
    missing = [
        f"{section}/{flow}"
        for section, flows in required.items()
        for flow in flows
        if flow not in config.rails.get(section, [])
    ]
    total = sum(len(v) for v in required.values())
    risky = set(approval_for or [])
    unapproved = sorted(t.name for t in tools or [] if risky & set(t.permissions) and not t.requires_approval)
    return GuardrailsMeasurement(
        value=1.0 if total == 0 else (total - len(missing)) / total,
        inconclusive=False,
        rails={k: list(v) for k, v in config.rails.items()},
        required=required,
        missing=missing,
        complete=not missing,
        tools=sorted(t.name for t in tools or []),
        unapproved_tools=unapproved,
    )
