# ruff: noqa: RUF009 - `doc()` returns a dataclasses.field carrying the field documentation
"""One type per check measurement: the contract between checks, policy rules and reports.

Checks return these; the gate ledgers ``to_json()``; rules see ``to_cel()`` (whose types
``cel_variables()`` declares to the policy room); reports read ``from_json()`` and format.
docs/measurements.md is generated from these classes (``scripts/gen_measurement_docs.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ._base import Interval, Record, doc

Check = Literal[
    "fairness",
    "explainability",
    "drift",
    "performance",
    "documentation",
    "lineage",
    "llm_eval",
    "redteam",
    "guardrails",
]


@dataclass(frozen=True, kw_only=True)
class Measurement(Record):
    """What every check returns: a headline ``value`` and whether there was enough data."""

    CHECK: ClassVar[str] = ""

    value: float = doc("the headline number (see each check)")
    inconclusive: bool = doc("not enough data to judge: a rule on this measurement is `inconclusive`")


# -- fairness ---------------------------------------------------------------------------------------

FairnessMetric = Literal[  # the fairness check's metrics (a rule's `with: {metric: ...}`)
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
]
FAIRNESS_METRICS: tuple[str, ...] = FairnessMetric.__args__  # type: ignore[attr-defined]

GROUP_RATES: tuple[str, ...] = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "precision",
    "accuracy",
)


@dataclass(frozen=True, kw_only=True)
class GroupStats(Record):
    """One group's confusion counts, the rates fairlearn computes from them, and an interval per rate.

    Rules see a `map(string,double)` of `count`, `tn`, `fp`, `fn`, `tp` and the rates.
    """

    CEL_TYPE: ClassVar[str | None] = "map(string,double)"
    CEL_KEYS: ClassVar[tuple[str, ...]] = ("count", "tn", "fp", "fn", "tp", *GROUP_RATES)

    count: int = doc("rows in the group")
    tn: int = doc("true negatives")
    fp: int = doc("false positives")
    fn: int = doc("false negatives")
    tp: int = doc("true positives")
    selection_rate: float = doc("(tp + fp) / count")
    true_positive_rate: float = doc("tp / (tp + fn); 0 without positives")
    false_positive_rate: float = doc("fp / (fp + tn); 0 without negatives")
    false_negative_rate: float = doc("fn / (tp + fn); 0 without positives")
    precision: float = doc("tp / (tp + fp); 0 without selections")
    accuracy: float = doc("(tp + tn) / count")
    intervals: dict[str, Interval] = doc(
        "rate name -> Wilson score interval at the measurement's `confidence` (absent when its denominator is 0)",
        cel=False,
        default={},
    )

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def negatives(self) -> int:
        return self.tn + self.fp

    @property
    def selected(self) -> int:
        return self.tp + self.fp

    def to_cel(self) -> dict[str, Any]:
        return {k: float(getattr(self, k)) for k in self.CEL_KEYS}


@dataclass(frozen=True, kw_only=True)
class FairnessMeasurement(Measurement):
    """Group fairness of binary predictions (fairlearn's definitions), with a bootstrap interval."""

    CHECK: ClassVar[str] = "fairness"

    metric: str = doc("the between-group metric `value` is (a `with.metric`)")
    lower: float = doc("lower end of the percentile-bootstrap interval of `value` (`value` without replicates)")
    upper: float = doc("upper end of that interval")
    metrics: dict[str, float] = doc("all six between-group metrics: name -> value")
    per_group: dict[str, GroupStats] = doc("group label -> counts, rates and per-rate intervals")
    four_fifths_pass: bool = doc("smallest selection rate >= 0.8 x the largest")
    min_group_count: int = doc("rows in the smallest group")
    min_group_size: int = doc("the `with.min_group_size` below which the measurement is inconclusive")
    groups: list[str] = doc("group labels, in table order (intersections read `Female, Black`)")
    sensitive: list[str] = doc("the sensitive columns intersected")
    confidence: float = doc("confidence level of every interval")
    replicates: int = doc("bootstrap replicates behind `lower`/`upper` (0: none)")


# -- drift ------------------------------------------------------------------------------------------

FEATURE_STATISTICS: tuple[str, ...] = (
    "ks_statistic",
    "ks_pvalue",
    "psi",
    "wasserstein",
    "jensen_shannon",
    "chi2_statistic",
    "chi2_pvalue",
    "unseen_share",
)


@dataclass(frozen=True, kw_only=True)
class FeatureDrift(Record):
    """Every statistic the drift check computes for one feature; absent ones do not apply to its kind.

    Rules see a `map(string,double)` of the statistics that are present (as in earlier releases).
    """

    CEL_TYPE: ClassVar[str | None] = "map(string,double)"
    CEL_KEYS: ClassVar[tuple[str, ...]] = FEATURE_STATISTICS

    kind: Literal["numeric", "categorical"] = doc("how the feature was compared")
    n_reference: int = doc("non-missing reference values")
    n_current: int = doc("non-missing current values")
    ks_statistic: float | None = doc("numeric: two-sample Kolmogorov-Smirnov D (scipy `ks_2samp`)", default=None)
    ks_pvalue: float | None = doc("numeric: its two-sided p-value", default=None)
    psi: float | None = doc("population stability index over reference deciles / categories", default=None)
    wasserstein: float | None = doc("numeric: Wasserstein-1 / reference standard deviation", default=None)
    jensen_shannon: float | None = doc("Jensen-Shannon distance, base 2, over the same bins", default=None)
    chi2_statistic: float | None = doc("categorical: Pearson chi-square (no Yates correction)", default=None)
    chi2_pvalue: float | None = doc("categorical: its p-value", default=None)
    unseen_share: float | None = doc(
        "categorical: share of current rows in categories unseen in reference", default=None
    )
    statistic_name: str = doc("which statistic `statistic` is (the `method`'s, for this feature's kind)")
    statistic: float = doc("the statistic of the measurement's `method` for this feature's kind")
    pvalue: float = doc("the KS or chi-square p-value")
    drifted: bool = doc("whether the feature counts as drifted (see the measurement's `threshold`)")
    intervals: dict[str, Interval] = doc(
        "statistic name -> interval (a bracket when the statistic is approximate)", cel=False, default={}
    )

    def to_cel(self) -> dict[str, Any]:
        return {k: v for k in self.CEL_KEYS if (v := getattr(self, k)) is not None}


@dataclass(frozen=True, kw_only=True)
class DriftMeasurement(Measurement):
    """Per-feature distribution drift of a current sample against a reference sample."""

    CHECK: ClassVar[str] = "drift"

    method: str = doc("the statistic behind `value` and `drifted` (`with.method`)")
    max_value: float = doc("largest per-feature `statistic` (= `value`)")
    min_pvalue: float = doc("smallest per-feature p-value (drives `decision`)")
    per_feature: dict[str, FeatureDrift] = doc("feature -> its statistics")
    drifted: list[str] = doc("features that drifted")
    decision: str = doc("`monitor` (p > review_p), `review` or `retrain` (p < retrain_p)")
    review_p: float = doc("the review cut-off of the decision matrix")
    retrain_p: float = doc("the retrain cut-off of the decision matrix")
    threshold: float | None = doc("`with.threshold`: a feature whose statistic reaches it drifted", default=None)
    has_score: bool = doc("whether a score column was compared (`prediction_psi` was measured)")
    prediction_psi: float | None = doc(
        "PSI of the score column; absent from the record without one, where rules see 0.0 as in earlier "
        "releases (test `has_score` to tell the two apart)",
        default=None,
    )
    intervals: dict[str, Interval] = doc(
        "statistic name (`value`, `min_pvalue`, `prediction_psi`) -> interval", cel=False, default={}
    )

    def to_cel(self) -> dict[str, Any]:
        cel = super().to_cel()
        cel.setdefault("prediction_psi", 0.0)  # the CEL contract of earlier releases; the record keeps None
        return cel


# -- explainability ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ExplainabilityMeasurement(Measurement):
    """Global SHAP importance, the share of it on protected attributes and on their proxies."""

    CHECK: ClassVar[str] = "explainability"

    protected_share: float = doc("share of total importance on protected features (= `value`)")
    proxy_share: float = doc("share of total importance on proxies of protected features")
    top_features: list[str] = doc("the `with.top_k` most important features")
    importance: dict[str, float] = doc("feature -> mean absolute SHAP value, most important first")
    protected_in_top: list[str] = doc("protected features and proxies among `top_features`")
    rank_stability: float = doc("Spearman correlation of importance with the champion's (1 without one)")
    proxies: dict[str, float] = doc("proxy feature -> its strongest association with a protected attribute")
    protected: list[str] = doc("the protected attributes")
    proxy_method: str = doc("`cramers_v` or `mutual_information`")
    proxy_threshold: float = doc("association at or above which a feature is a proxy")
    explainer: str = doc("`tree`, `permutation` or `explanation` (precomputed SHAP values)")


# -- performance ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PerformanceMeasurement(Measurement):
    """Classification performance, and challenger minus champion with a bootstrap interval."""

    CHECK: ClassVar[str] = "performance"

    metric: str = doc("the metric `value` and `delta` are (`with.metric`)")
    metrics: dict[str, float] = doc("auc, accuracy, f1, log_loss, brier, calibration_error")
    n: int = doc("evaluation rows")
    has_champion: bool = doc("whether a champion was compared")
    delta: float = doc("challenger minus champion in `metric` (0 without a champion)")
    delta_lower: float = doc("lower end of the bootstrap interval of `delta` (0 without a champion)")
    delta_upper: float = doc("upper end of that interval (0 without a champion)")
    confidence: float = doc("confidence level of the interval")
    replicates: int = doc("bootstrap replicates")
    champion_value: float | None = doc("the champion's `metric`", default=None)
    paired: bool | None = doc("both models scored on the same rows (a paired bootstrap)", default=None)
    lower: float | None = doc(
        "lower end of the bootstrap interval of `value`, from the count cells (evidence read as partials)",
        default=None,
    )
    upper: float | None = doc("upper end of that interval", default=None)


# -- facts checks -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DocumentationMeasurement(Measurement):
    """Which required model-card fields are filled in (`value`: the share present, 0..1)."""

    CHECK: ClassVar[str] = "documentation"

    missing: list[str] = doc("required card fields that are absent or empty")
    complete: bool = doc("no field is missing")
    required: list[str] = doc("the fields required (dotted paths)")


@dataclass(frozen=True, kw_only=True)
class LineageMeasurement(Measurement):
    """Lineage hygiene violations of the model's upstream datasets and runs (`value`: their number)."""

    CHECK: ClassVar[str] = "lineage"

    violations: list[str] = doc("one sentence per violation")
    complete: bool = doc("no violation")


# -- LLM applications -------------------------------------------------------------------------------

PASS_RATE_KEYS: tuple[str, ...] = ("n", "passed", "pass_rate", "stderr", "lower", "upper")


@dataclass(frozen=True, kw_only=True)
class PassRate(Record):
    """Samples evaluated and passed in one task or group, with the pass rate's bootstrap interval.

    Rules see a `map(string,double)` of `n`, `passed`, `pass_rate`, `stderr`, `lower`, `upper`.
    """

    CEL_TYPE: ClassVar[str | None] = "map(string,double)"
    CEL_KEYS: ClassVar[tuple[str, ...]] = PASS_RATE_KEYS

    n: int = doc("samples evaluated")
    passed: int = doc("samples the tool judged passed")
    pass_rate: float = doc("passed / n")
    stderr: float = doc("standard error of the mean outcome, sqrt(p(1-p)/(n-1)) (Inspect's and lm-eval's)")
    lower: float = doc("lower end of the percentile-bootstrap interval of `pass_rate`")
    upper: float = doc("upper end of that interval")

    def to_cel(self) -> dict[str, Any]:
        return {k: float(getattr(self, k)) for k in self.CEL_KEYS}


@dataclass(frozen=True, kw_only=True)
class LLMEvalMeasurement(Measurement):
    """Pass rates of an LLM evaluation (Inspect AI, lm-evaluation-harness, promptfoo), per task and
    per metadata group, with bootstrap intervals from the per-sample outcomes (`value`: the overall
    pass rate)."""

    CHECK: ClassVar[str] = "llm_eval"

    tool: str = doc("the tool that wrote the results (`inspect`, `lm-eval`, `promptfoo`, `garak`)")
    tool_version: str = doc("its version, as it wrote it")
    results_digest: str = doc("digest of the results (samples and reproducibility facts) the numbers come from")
    n: int = doc("samples judged, over the tasks")
    pass_rate: float = doc("passed / n over the tasks (= `value`)")
    lower: float = doc("lower end of the bootstrap interval of `pass_rate` (tasks resampled separately)")
    upper: float = doc("upper end of that interval")
    min_task_pass_rate: float = doc("the lowest task's pass rate")
    per_task: dict[str, PassRate] = doc("task -> its pass rate")
    tasks: list[str] = doc("the tasks judged, sorted")
    group_by: str = doc("the sample metadata key groups are formed by (`with.group_by`; empty: no groups)")
    per_group: dict[str, PassRate] = doc("group (the metadata value) -> its pass rate; empty without `group_by`")
    group_gap: float = doc("largest minus smallest group pass rate (0 with fewer than two groups)")
    group_gap_lower: float = doc("lower end of the bootstrap interval of `group_gap`")
    group_gap_upper: float = doc("upper end of that interval")
    min_samples: int = doc("`with.min_samples`: a task or group with fewer samples makes the measurement inconclusive")
    confidence: float = doc("confidence level of every interval")
    replicates: int = doc("bootstrap replicates behind the intervals (0: none)")


@dataclass(frozen=True, kw_only=True)
class AttackRate(Record):
    """Attacks tried and succeeded in one probe family, with the one-sided upper bound of the rate.

    Rules see a `map(string,double)` of `n`, `successes`, `rate`, `upper`.
    """

    CEL_TYPE: ClassVar[str | None] = "map(string,double)"
    CEL_KEYS: ClassVar[tuple[str, ...]] = ("n", "successes", "rate", "upper")

    n: int = doc("attacks judged")
    successes: int = doc("attacks that succeeded (the tool judged the output failed)")
    rate: float = doc("successes / n")
    upper: float = doc("one-sided Clopper-Pearson upper bound of the rate at the measurement's `confidence`")

    def to_cel(self) -> dict[str, Any]:
        return {k: float(getattr(self, k)) for k in self.CEL_KEYS}


@dataclass(frozen=True, kw_only=True)
class RedTeamMeasurement(Measurement):
    """Attack success rates of a red-team run (garak, promptfoo red team) per probe family, with
    their upper confidence bounds (`value`: the largest family's upper bound)."""

    CHECK: ClassVar[str] = "redteam"

    tool: str = doc("the tool that wrote the results")
    tool_version: str = doc("its version, as it wrote it")
    results_digest: str = doc("digest of the results the numbers come from")
    n: int = doc("attacks judged, over the families")
    attack_success_rate: float = doc("successes / n over the families")
    upper: float = doc("one-sided Clopper-Pearson upper bound of `attack_success_rate`")
    max_family_upper: float = doc("the largest family's upper bound (= `value`)")
    worst_family: str = doc("the family with that bound")
    per_family: dict[str, AttackRate] = doc(
        "probe family (promptfoo's plugin, garak's probe module) -> its attack success rate"
    )
    families: list[str] = doc("the families judged, sorted")
    min_samples: int = doc("`with.min_samples`: a family with fewer attacks makes the measurement inconclusive")
    confidence: float = doc("confidence level of the upper bounds")


@dataclass(frozen=True, kw_only=True)
class GuardrailsMeasurement(Measurement):
    """The rails a guardrail configuration declares, against the rails required (`value`: the share present)."""

    CHECK: ClassVar[str] = "guardrails"

    rails: dict[str, list[str]] = doc("section (`input`, `output`, `retrieval`, `dialog`, `execution`) -> its flows")
    required: dict[str, list[str]] = doc("section -> the flows `with.required` asks for")
    missing: list[str] = doc("required rails absent, as `section/flow`")
    complete: bool = doc("no required rail is missing")
    tools: list[str] = doc("the tools of the tool manifest, when there is one")
    unapproved_tools: list[str] = doc(
        "tools whose permissions include one of `with.approval_for` but that do not require a human's approval"
    )
