"""The gate's door into the checks: ``run_check(name, params, evidence, facts)``.

Each check has a pydantic model of its ``with`` parameters (unknown keys are errors, so a typo
in a policy never silently falls back to a default) and a runner that reads the evidence it
needs and returns its typed measurement (``govern.measurements``; docs/measurements.md).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from govern.core import GovernError
from govern.evidence import EvidenceSet
from govern.measurements import (
    DocumentationMeasurement,
    DriftMeasurement,
    ExplainabilityMeasurement,
    FairnessMeasurement,
    LineageMeasurement,
    Measurement,
    PerformanceMeasurement,
)

from ._codes import (
    CHAMPION_SCORING_FAILED,
    CHECK_PARAMS_INVALID,
    CHECK_RESULT_INVALID,
    EVIDENCE_MAPPING_INVALID,
    UNKNOWN_CHECK,
)
from ._vocab import DriftMethod, FairnessMetric, PerformanceMetric, ProxyMethod

Progress = Callable[[int, int], None]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FairnessParams(_Params):
    metric: FairnessMetric = "demographic_parity_difference"
    sensitive: list[str] | None = Field(None, description="default: the evidence's sensitive columns")
    confidence: float = Field(0.95, gt=0, lt=1)
    replicates: int = Field(1000, ge=0, le=100_000)
    seed: int = 0
    min_group_size: int = Field(30, ge=1)
    threshold: float = Field(0.5, description="score cut-off when there is no prediction column")


class DriftParams(_Params):
    method: DriftMethod = "psi"
    features: Literal["all"] | list[str] = "all"
    categorical: list[str] = []
    threshold: float | None = None
    review_p: float = Field(0.05, ge=0, le=1)
    retrain_p: float = Field(0.01, ge=0, le=1)


class ExplainabilityParams(_Params):
    protected: list[str] | None = Field(None, description="default: the evidence's sensitive columns")
    features: list[str] | None = None
    proxy_method: ProxyMethod = "cramers_v"
    proxy_threshold: float = Field(0.5, ge=0, le=1)
    top_k: int = Field(10, ge=1)
    source: Literal["auto", "model", "explanation"] = "auto"
    max_background: int = Field(50, ge=1, le=1000)
    max_samples: int = Field(500, ge=1, le=100_000)
    permutations: int = Field(5, ge=1, le=100)
    seed: int = 0


class PerformanceParams(_Params):
    metric: PerformanceMetric = "auc"
    threshold: float = Field(0.5, ge=0, le=1)
    confidence: float = Field(0.95, gt=0, lt=1)
    replicates: int = Field(1000, ge=0, le=100_000)
    seed: int = 0


class DocumentationParams(_Params):
    required: list[str] | None = None


class LLMEvalParams(_Params):
    tasks: list[str] | None = Field(None, description="default: every task of the results")
    group_by: str | None = Field(None, description="a sample metadata key: pass rate per value and the gap")
    confidence: float = Field(0.95, gt=0, lt=1)
    replicates: int = Field(1000, ge=0, le=100_000)
    seed: int = 0
    min_samples: int = Field(30, ge=1)


class RedTeamParams(_Params):
    families: list[str] | None = Field(None, description="default: every probe family of the results")
    confidence: float = Field(0.95, gt=0, lt=1)
    min_samples: int = Field(20, ge=1)


class GuardrailsParams(_Params):
    required: dict[str, list[str]] = Field(default_factory=dict, description="rail section -> flows it must have")
    approval_for: list[str] = Field(
        default_factory=list, description="tool permissions that need a human's approval on each call"
    )


class LineageParams(_Params):
    require_runs: bool = True
    require_datasets: bool = True


def _fairness(
    p: FairnessParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None
) -> FairnessMeasurement:
    from govern.evidence import binary_column, numeric_column

    from ._fairness import fairness
    from ._streamed import fairness_of, streams_evaluation

    if streams_evaluation(ev):  # a dataset or partials: through govern.stats, never loaded whole
        return fairness_of(
            ev,
            sensitive=p.sensitive,
            threshold=p.threshold,
            metric=p.metric,
            confidence=p.confidence,
            replicates=p.replicates,
            seed=p.seed,
            min_group_size=p.min_group_size,
            progress=progress,
        )
    frame, item = ev.table("evaluation", purpose="fairness")
    m = item.mapping
    sensitive = p.sensitive or list(m.sensitive)
    if not sensitive:
        raise GovernError(
            CHECK_PARAMS_INVALID, "fairness needs sensitive columns (with.sensitive or the evidence mapping)"
        )
    if not m.label:
        raise GovernError(EVIDENCE_MAPPING_INVALID, "the evaluation evidence has no label column")
    y_true = binary_column(frame, m.label, positive=m.positive)
    if m.prediction:
        y_pred = binary_column(frame, m.prediction, positive=m.positive)
    elif m.score:
        y_pred = (numeric_column(frame, m.score) >= p.threshold).astype("int8")
    else:
        raise GovernError(EVIDENCE_MAPPING_INVALID, "the evaluation evidence has no prediction or score column")
    from govern.evidence import require_columns

    require_columns(frame, sensitive)
    return fairness(
        y_true,
        y_pred,
        sensitive=frame[sensitive],
        metric=p.metric,
        confidence=p.confidence,
        replicates=p.replicates,
        seed=p.seed,
        min_group_size=p.min_group_size,
        progress=progress,
    )


def _drift(p: DriftParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None) -> DriftMeasurement:
    from ._drift import drift
    from ._streamed import drift_of, streams_role

    if streams_role(ev, "reference") or streams_role(ev, "current"):
        return drift_of(
            ev,
            features=None if p.features == "all" else p.features,
            categorical=p.categorical,
            method=p.method,
            threshold=p.threshold,
            review_p=p.review_p,
            retrain_p=p.retrain_p,
            progress=progress,
        )
    reference, ref_item = ev.table("reference", purpose="drift")
    current, cur_item = ev.table("current", purpose="drift")
    score = ref_item.mapping.score or cur_item.mapping.score
    if p.features == "all":
        skip = {ref_item.mapping.label, ref_item.mapping.prediction, score} - {None}
        columns = [str(c) for c in reference.columns if c not in skip]
    else:
        columns = p.features
    return drift(
        reference,
        current,
        columns=columns,
        categorical=p.categorical,
        method=p.method,
        threshold=p.threshold,
        review_p=p.review_p,
        retrain_p=p.retrain_p,
        score=score,
        progress=progress,
    )


def _importance_from_explanation(ev: EvidenceSet) -> dict[str, float]:
    from ._explain import importance_of

    table, item = ev.table("explanation", purpose="explainability")
    features = [c for c in table.columns if c not in item.mapping.roles]
    from govern.evidence import numeric_column

    values = [numeric_column(table, c) for c in features]
    import numpy as np

    return importance_of(np.column_stack(values), [str(f) for f in features])


def _explainability(
    p: ExplainabilityParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None
) -> ExplainabilityMeasurement:
    from ._explain import explain, explainability

    data = item = None
    if ev.get("evaluation") is not None:
        data, item = ev.table("evaluation", purpose="explainability")
    protected = p.protected if p.protected is not None else list(item.mapping.sensitive if item else ())
    champion = None
    if ev.champion is not None:
        if ev.champion.get("explanation") is not None:
            champion = _importance_from_explanation(ev.champion)
        elif ev.champion.get("model") is not None and data is not None:
            champion = explain(
                ev.champion.model(purpose="explainability"),
                data,
                features=p.features,
                max_background=p.max_background,
                max_samples=p.max_samples,
                permutations=p.permutations,
                seed=p.seed,
            ).importance
    use_explanation = p.source == "explanation" or (p.source == "auto" and ev.get("explanation") is not None)
    if use_explanation:
        return explainability(
            _importance_from_explanation(ev),
            data=data,
            protected=protected,
            proxy_method=p.proxy_method,
            proxy_threshold=p.proxy_threshold,
            top_k=p.top_k,
            champion_importance=champion,
        )
    if data is None:
        ev.require("evaluation", purpose="explainability with a model")
    return explain(
        ev.model(purpose="explainability"),
        data,
        protected=protected,
        features=p.features,
        proxy_method=p.proxy_method,
        proxy_threshold=p.proxy_threshold,
        top_k=p.top_k,
        max_background=p.max_background,
        max_samples=p.max_samples,
        permutations=p.permutations,
        seed=p.seed,
        champion_importance=champion,
        progress=progress,
    )


def _performance(
    p: PerformanceParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None
) -> PerformanceMeasurement:
    from govern.evidence import binary_column, numeric_column

    from ._performance import performance
    from ._streamed import performance_of, streams_evaluation

    if streams_evaluation(ev) or (ev.champion is not None and streams_evaluation(ev.champion)):
        return performance_of(
            ev,
            metric=p.metric,
            threshold=p.threshold,
            confidence=p.confidence,
            replicates=p.replicates,
            seed=p.seed,
            progress=progress,
        )

    def label_and_score(evidence: EvidenceSet, who: str) -> tuple[Any, Any, Any]:
        frame, item = evidence.table("evaluation", purpose=f"performance ({who})")
        m = item.mapping
        if not m.label or not m.score:
            raise GovernError(
                EVIDENCE_MAPPING_INVALID, f"the {who}'s evaluation evidence needs a label and a score column"
            )
        pred = binary_column(frame, m.prediction, positive=m.positive) if m.prediction else None
        return binary_column(frame, m.label, positive=m.positive), numeric_column(frame, m.score, low=0, high=1), pred

    y, score, pred = label_and_score(ev, "challenger")
    champion_y = champion_score = None
    if ev.champion is not None:
        champion_score = _champion_on_challenger_rows(ev)
        if champion_score is not None:
            champion_y = y  # paired: both models scored on the same rows
        elif ev.champion.get("evaluation") is not None:
            champion_y, champion_score, _ = label_and_score(ev.champion, "champion")
    return performance(
        y,
        score,
        prediction=pred,
        champion_score=champion_score,
        champion_y_true=champion_y,
        metric=p.metric,
        threshold=p.threshold,
        confidence=p.confidence,
        replicates=p.replicates,
        seed=p.seed,
        progress=progress,
    )


def _champion_on_challenger_rows(ev: EvidenceSet) -> Any:
    """The champion's scores on the challenger's evaluation rows, when the champion's model is
    evidence and those rows carry its features; None otherwise (then each model's own evaluation
    is compared, unpaired)."""
    assert ev.champion is not None
    if ev.champion.get("model") is None:
        return None
    frame, _ = ev.table("evaluation", purpose="performance (challenger)")
    model = ev.champion.model(purpose="performance (champion)")
    features = getattr(model, "feature_names_in_", None)
    if features is None or not set(features) <= set(frame.columns) or not hasattr(model, "predict_proba"):
        return None
    try:
        return model.predict_proba(frame[list(features)])[:, 1]
    except Exception as exc:  # noqa: BLE001 - a model that cannot score these rows
        raise GovernError(
            CHAMPION_SCORING_FAILED, f"the champion could not score the challenger's rows: {exc}"
        ) from None


def _documentation(
    p: DocumentationParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None
) -> DocumentationMeasurement:
    from ._hygiene import documentation

    model = facts.get("model") or {}
    return documentation(model.get("card"), tier=model.get("tier"), required=p.required)


def _lineage(p: LineageParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None) -> LineageMeasurement:
    from ._hygiene import lineage_hygiene

    return lineage_hygiene(facts.get("lineage"), require_runs=p.require_runs, require_datasets=p.require_datasets)


def _llm_eval(p: LLMEvalParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None) -> Measurement:
    from ._llm import llm_eval

    return llm_eval(
        ev.eval_results("llm_eval", purpose="llm_eval"),
        tasks=p.tasks,
        group_by=p.group_by,
        confidence=p.confidence,
        replicates=p.replicates,
        seed=p.seed,
        min_samples=p.min_samples,
    )


def _redteam(p: RedTeamParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None) -> Measurement:
    from ._llm import redteam

    return redteam(
        ev.eval_results("redteam", purpose="redteam"),
        confidence=p.confidence,
        min_samples=p.min_samples,
        families=p.families,
    )


def _guardrails(p: GuardrailsParams, ev: EvidenceSet, facts: dict[str, Any], progress: Progress | None) -> Measurement:
    from govern.llm import read_tools

    from ._llm import guardrails

    tools_item = ev.get("tools")
    tools = ev.cached(("tools", str(tools_item.path)), lambda: read_tools(tools_item.path)) if tools_item else None
    return guardrails(
        ev.guardrails(purpose="guardrails"), required=p.required, tools=tools, approval_for=p.approval_for
    )


_CHECKS: dict[str, tuple[type[_Params], Callable[..., Measurement]]] = {
    "fairness": (FairnessParams, _fairness),
    "explainability": (ExplainabilityParams, _explainability),
    "drift": (DriftParams, _drift),
    "performance": (PerformanceParams, _performance),
    "documentation": (DocumentationParams, _documentation),
    "lineage": (LineageParams, _lineage),
    "llm_eval": (LLMEvalParams, _llm_eval),
    "redteam": (RedTeamParams, _redteam),
    "guardrails": (GuardrailsParams, _guardrails),
}
CHECKS: tuple[str, ...] = tuple(_CHECKS)


def validate_params(name: str, params: dict[str, Any] | None) -> _Params:
    """The validated ``with`` parameters of check ``name``.

    Raises ``unknown_check`` or ``check_params_invalid`` (naming the key and the problem); the
    policy room can call this at compile time to reject a bad rule before any gate runs.
    """
    if name not in _CHECKS:
        raise GovernError(UNKNOWN_CHECK, f"no check named {name!r} (known: {', '.join(CHECKS)})")
    model, _ = _CHECKS[name]
    try:
        return model.model_validate(params or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'with'}: {e['msg']}" for e in exc.errors())
        raise GovernError(CHECK_PARAMS_INVALID, f"{name}: {problems}") from None


def param_problems(name: str, params: dict[str, Any] | None) -> list[tuple[tuple[str | int, ...], str, bool]]:
    """Every problem of check ``name``'s ``with`` parameters, for the policy loader to locate.

    Each is ``(path inside with, message, at_key)``: ``at_key`` when the problem is the key
    itself (an unknown parameter), else the value's. Empty means valid. Never raises; an unknown
    check is one problem at the empty path. Injected into ``govern.policy.load_packs`` (the
    policy room imports only core, and the schemas belong to the checks they configure).
    """
    if name not in _CHECKS:
        return [((), f"no check named {name!r} (known: {', '.join(CHECKS)})", False)]
    model, _ = _CHECKS[name]
    if params is not None and not isinstance(params, dict):
        return [((), f"{name}: with must be a mapping of parameters", False)]
    try:
        model.model_validate(params or {})
    except ValidationError as exc:
        out: dict[tuple[str | int, ...], tuple[list[str], bool]] = {}
        for err in exc.errors():
            loc = _present(params or {}, tuple(err["loc"]))  # drops union members ("list[str]")
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                known = ", ".join(model.model_fields)
                out[loc] = ([f"unknown parameter {loc[-1]!r}{hint} (parameters: {known})"], True)
            else:
                out.setdefault(loc, ([], False))[0].append(err["msg"])
        return [
            (
                loc,
                f"{name}: " + (msgs[0] if at_key else f"{'.'.join(map(str, loc)) or 'with'}: {', or '.join(msgs)}"),
                at_key,
            )
            for loc, (msgs, at_key) in out.items()
        ]
    return []


def _present(data: Any, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """The longest prefix of ``loc`` that names something in ``data`` (the key itself for the last step)."""
    out: list[str | int] = []
    for step in loc:
        in_dict = isinstance(data, dict) and step in data
        if in_dict or (isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)):
            data = data[step]
        else:
            if isinstance(data, dict) and not out:
                out.append(step)  # a missing or unknown top-level parameter
            break
        out.append(step)
    return tuple(out)


def _assert_finite(value: Any, path: str = "") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise GovernError(CHECK_RESULT_INVALID, f"the measurement has a non-finite number at {path or 'value'}")
    if isinstance(value, dict):
        for k, v in value.items():
            _assert_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _assert_finite(v, f"{path}[{i}]")


def run_check(
    name: str,
    params: dict[str, Any] | None,
    evidence: EvidenceSet,
    facts: dict[str, Any],
    *,
    progress: Progress | None = None,
) -> Measurement:
    """Run check ``name`` with a rule's ``with`` ``params`` and return its measurement.

    Parameters
    ----------
    name:
        One of :data:`CHECKS` (fairness, explainability, drift, performance, documentation,
        lineage).
    params:
        The rule's ``with`` mapping; validated (unknown keys are an error).
    evidence:
        The model version's evidence (and its champion's, for performance and explainability).
    facts:
        ``{"model": ..., "target": ..., "lineage": ...}`` as docs/policy-language.md describes
        (documentation and lineage read them).
    progress:
        Called as ``progress(done, total)`` during long steps (bootstrap, SHAP).

    Returns
    -------
    The check's measurement type (``govern.measurements``; ``MEASUREMENT_TYPES[name]``), whose
    ``to_json()`` the gate ledgers and whose ``to_cel()`` rules judge; numbers are finite.

    Raises
    ------
    GovernError
        ``unknown_check``, ``check_params_invalid``, ``evidence_missing``,
        ``evidence_mapping_invalid``, the located ``evidence_*`` errors of bad files,
        ``explain_model_failed``, ``check_result_invalid`` (a non-finite number: fail closed).
    """
    validated = validate_params(name, params)
    _, runner = _CHECKS[name]
    measurement = runner(validated, evidence, facts or {}, progress)
    _assert_finite(measurement.to_json())
    return measurement
