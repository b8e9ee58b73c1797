"""The plain data a report is rendered from. JSON-able: ``to_dict`` / ``from_dict`` round-trip.

The reports room never queries the database; the decisions room (or a test) gathers the data
into these classes. Times are ISO 8601 text, numbers are the measured values as recorded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from ._codes import REPORT_DATA_INVALID

Result = Literal["pass", "fail", "inconclusive", "error", "waived"]
ReviewKind = Literal["approval", "rejection", "waiver"]
ControlState = Literal["evidenced", "failing", "not_evaluated", "not_covered"]
Scalar = float | int | str | bool | None


@dataclass
class Finding:
    """One policy rule evaluated in a decision."""

    rule_id: str
    check: str
    value: Scalar
    require: str
    result: Result
    controls: list[str] = field(default_factory=list)
    policy: str = ""
    on_fail: str = ""
    message: str = ""


@dataclass
class DecisionRecord:
    """A gate decision. ``outcome``: allow | deny | pending_approval (promote), monitor | review |
    retrain (retrain gate)."""

    id: str
    model: str
    gate: str
    target: str
    outcome: str
    time: str
    actor: str = ""
    policy_digest: str = ""
    ledger_seq: int | None = None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class GroupRate:
    group: str
    count: int
    value: float
    lower: float | None  # the check's interval of the rate; None when it has none (no rows behind it)
    upper: float | None


@dataclass
class FairnessTable:
    """Per-group values of one metric (e.g. selection_rate) over one sensitive attribute."""

    attribute: str
    metric: str
    groups: list[GroupRate]
    difference: float
    lower: float | None  # None: no rule measured this difference, so it has no recorded CI
    upper: float | None
    threshold: float | None = None
    four_fifths_pass: bool | None = None
    confidence: float = 0.95  # of the per-group intervals and the CI


@dataclass
class PassRateRow:
    """One task's or group's pass rate in an LLM evaluation, with its bootstrap interval."""

    name: str
    n: int
    passed: int
    pass_rate: float
    lower: float
    upper: float


@dataclass
class LLMEvalTable:
    """One LLM evaluation as a rule measured it: the overall pass rate, per task and per group."""

    rule: str
    tool: str
    tool_version: str
    results_digest: str
    n: int
    pass_rate: float
    lower: float
    upper: float
    tasks: list[PassRateRow]
    group_by: str = ""
    groups: list[PassRateRow] = field(default_factory=list)
    group_gap: float = 0.0
    group_gap_upper: float = 0.0
    threshold: float | None = None
    inconclusive: bool = False
    confidence: float = 0.95


@dataclass
class AttackRow:
    """One red-team probe family: attacks judged, attacks that succeeded, the rate and its upper bound."""

    family: str
    n: int
    successes: int
    rate: float
    upper: float


@dataclass
class RedTeamTable:
    """A red-team run as a rule measured it, per probe family."""

    rule: str
    tool: str
    tool_version: str
    results_digest: str
    n: int
    attack_success_rate: float
    upper: float
    worst_family: str
    families: list[AttackRow]
    threshold: float | None = None
    inconclusive: bool = False
    confidence: float = 0.95


@dataclass
class GuardrailsSummary:
    """The rails a guardrail configuration declares and what a rule required of it."""

    rule: str
    rails: dict[str, list[str]]
    missing: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    unapproved_tools: list[str] = field(default_factory=list)


@dataclass
class DriftFeature:
    feature: str
    method: str  # the statistic's name (psi, ks_statistic, chi2_statistic, wasserstein, jensen_shannon)
    statistic: float | None  # None: not measured (shown as a dash, never as 0)
    threshold: float | None  # None: drift was judged by p-value, not by a statistic threshold
    pvalue: float | None = None
    drifted: bool = False


@dataclass
class MonitoringPoint:
    """One monitoring run of a production model (a retraining-gate decision) and its drift headline."""

    time: str
    decision_id: str
    outcome: str  # monitor | review | retrain
    method: str = ""
    max_statistic: float | None = None  # None: the run measured no drift
    min_pvalue: float | None = None
    drifted: int = 0  # features that drifted
    threshold: float | None = None


@dataclass
class FeatureImportance:
    feature: str
    value: float  # mean |SHAP|
    protected: bool = False


@dataclass
class LineageNode:
    ref: str
    kind: str  # dataset | feature | run | model


@dataclass
class LineageEdge:
    source: str  # data flows source -> target
    target: str
    kind: str = ""


@dataclass
class LineageGraph:
    nodes: list[LineageNode] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)


@dataclass
class ReviewAction:
    """An approval, rejection or waiver: who, when, why."""

    kind: ReviewKind
    actor: str
    role: str
    time: str
    justification: str
    model: str = ""
    decision_id: str = ""
    rule_id: str = ""
    expires: str = ""
    status: str = ""  # valid | expired | superseded | ...


@dataclass
class LedgerRow:
    seq: int
    time: str
    kind: str
    hash: str
    actor: str = ""


@dataclass
class Verification:
    """The result of verifying the ledger (hash chain, and against the checkpoint)."""

    ok: bool
    message: str
    entries: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    checkpoint_ok: bool | None = None
    first_bad_seq: int | None = None


@dataclass
class ControlStatus:
    framework: str  # "EU AI Act", "NIST AI RMF", "ISO/IEC 42001", "SR 11-7"
    control: str  # "eu-ai-act/art-10"
    title: str
    status: ControlState
    rules: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    """Machine-readable evidence embedded in the PDF, byte for byte (UTF-8 text)."""

    decisions: dict[str, str] = field(default_factory=dict)  # decision id -> canonical JSON
    checkpoint: str = ""  # the signed checkpoint, as the ledger serializes it
    proofs: dict[str, str] = field(default_factory=dict)  # decision id -> inclusion proof JSON
    public_key: str = ""  # PEM of the ledger signing key


@dataclass
class ExceptionItem:
    """Something an auditor looks at first: a deny overridden by a waiver, an expired approval,
    a retraining trigger, an integrity failure."""

    kind: str  # waived_deny | expired_approval | retraining_triggered | integrity_failure | ...
    model: str
    time: str
    summary: str
    decision_id: str = ""


@dataclass
class StageChange:
    model: str
    from_stage: str
    to_stage: str
    time: str
    actor: str = ""
    decision_id: str = ""


@dataclass
class ModelReportData:
    """Everything the model report shows. ``card`` is a ModelCard as JSON (``model_dump(mode="json")``)."""

    model: str  # name@version
    tier: str
    stage: str
    generated_at: str
    owner: str = ""
    decision: DecisionRecord | None = None
    card: dict[str, Any] | None = None
    lineage: LineageGraph = field(default_factory=LineageGraph)
    fairness: list[FairnessTable] = field(default_factory=list)
    drift: list[DriftFeature] = field(default_factory=list)
    monitoring: list[MonitoringPoint] = field(default_factory=list)
    importance: list[FeatureImportance] = field(default_factory=list)
    llm_eval: list[LLMEvalTable] = field(default_factory=list)
    redteam: list[RedTeamTable] = field(default_factory=list)
    guardrails: list[GuardrailsSummary] = field(default_factory=list)
    reviews: list[ReviewAction] = field(default_factory=list)
    ledger: list[LedgerRow] = field(default_factory=list)
    verification: Verification | None = None
    controls: list[ControlStatus] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelReportData:
        """Validate and convert JSON data (pydantic); raises ``GovernError(report_data_invalid)``."""
        return _from_dict(cls, data)


@dataclass
class PeriodReportData:
    """Everything the period report shows, across all models, from ``start`` to ``end``."""

    start: str
    end: str
    generated_at: str
    exceptions: list[ExceptionItem] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    reviews: list[ReviewAction] = field(default_factory=list)
    stage_changes: list[StageChange] = field(default_factory=list)
    verification: Verification | None = None
    evidence: Evidence = field(default_factory=Evidence)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PeriodReportData:
        """Validate and convert JSON data (pydantic); raises ``GovernError(report_data_invalid)``."""
        return _from_dict(cls, data)


T = TypeVar("T")


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    from pydantic import TypeAdapter, ValidationError

    from govern.core import GovernError

    try:
        return TypeAdapter(cls).validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise GovernError(REPORT_DATA_INVALID, f"{cls.__name__}.{where}: {err['msg']}") from None
