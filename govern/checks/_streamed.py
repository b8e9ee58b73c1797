"""Fairness, drift and performance of evidence through the partial statistics (``govern.stats``).

One code path for every size: a single table file is loaded and validated as before (located
errors with CSV line numbers) and measured as one batch; a dataset directory or glob is
streamed (never materialized); stored partials are read back. Every path ends in the same
``govern.stats`` states and ``measure_*`` functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from govern.core import GovernError
from govern.evidence import ColumnMapping, Evidence, EvidenceSet, is_dataset
from govern.measurements import DriftMeasurement, FairnessMeasurement, PerformanceMeasurement

from ._codes import CHECK_PARAMS_INVALID, EVIDENCE_MAPPING_INVALID, EVIDENCE_MISSING_COLUMN, STATS_MERGE_MISMATCH

Progress = Callable[[int, int], None]


def _streams(item: Evidence) -> bool:
    """Whether an evidence item is read as partials or streamed (not loaded into pandas)."""
    return item.is_partials or is_dataset(item.path)


def _text(series: Any) -> Any:
    """A column as Arrow text the way the in-memory checks read categories (``str()``, nulls kept)."""
    import pyarrow as pa

    values = series.to_numpy(dtype=object)
    keep = ~series.isna().to_numpy()
    return pa.array([str(v) if k else None for v, k in zip(values, keep, strict=True)], type=pa.string())


def evaluation_batch(frame: Any, mapping: ColumnMapping, sensitive: Sequence[str], *, score: bool) -> Any:
    """The validated evaluation columns of a loaded table as one Arrow table (labels as 0/1)."""
    import pyarrow as pa

    from govern.evidence import binary_column, group_codes, numeric_column, require_columns

    columns: dict[str, Any] = {}
    if mapping.label:
        columns[mapping.label] = pa.array(binary_column(frame, mapping.label, positive=mapping.positive))
    if mapping.prediction:
        columns[mapping.prediction] = pa.array(binary_column(frame, mapping.prediction, positive=mapping.positive))
    if mapping.score and (score or not mapping.prediction):
        columns[mapping.score] = pa.array(numeric_column(frame, mapping.score, low=0, high=1))
    if sensitive:
        require_columns(frame, list(sensitive))
        group_codes(frame, list(sensitive))  # the located missing-value / empty-group errors
        for name in sensitive:
            columns[name] = _text(frame[name].astype(str) if hasattr(frame[name], "cat") else frame[name])
    return pa.table(columns)


def evaluation_partials(
    ev: EvidenceSet, spec: Any, *, purpose: str, score: bool, progress: Progress | None = None
) -> Any:
    """Partials of the evaluation evidence under ``spec`` (streamed, stored, or one batch)."""
    from govern.stats import Partials, evidence_partials

    item = ev.require("evaluation", purpose=purpose)
    if _streams(item):
        only = ("scores",) if score else ("fairness",)
        return evidence_partials(ev, "evaluation", spec, purpose=purpose, progress=progress, only=only)
    frame, _ = ev.table("evaluation", purpose=purpose)
    batch = evaluation_batch(frame, item.mapping, spec.sensitive, score=score)
    return Partials(replace(spec, positive=None)).update(batch, where=item.name)


def fairness_of(
    ev: EvidenceSet,
    *,
    sensitive: Sequence[str] | None,
    threshold: float,
    metric: str,
    confidence: float,
    replicates: int,
    seed: int,
    min_group_size: int,
    progress: Progress | None = None,
) -> FairnessMeasurement:
    """The fairness measurement of the evaluation evidence."""
    from govern.stats import evaluation_spec, measure_fairness

    item = ev.require("evaluation", purpose="fairness")
    m = item.mapping
    names = list(sensitive or m.sensitive)
    if not names:
        raise GovernError(
            CHECK_PARAMS_INVALID, "fairness needs sensitive columns (with.sensitive or the evidence mapping)"
        )
    if not m.label:
        raise GovernError(EVIDENCE_MAPPING_INVALID, "the evaluation evidence has no label column")
    if not (m.prediction or m.score):
        raise GovernError(EVIDENCE_MAPPING_INVALID, "the evaluation evidence has no prediction or score column")
    spec = evaluation_spec(m, sensitive=names, threshold=threshold)
    if not _streams(item):  # one table: the fairness cube only (the score is not needed beyond the cut)
        spec = replace(spec, score=m.score if not m.prediction else None)
    partials = evaluation_partials(ev, spec, purpose="fairness", score=False)
    if partials.fairness is None:
        raise GovernError(EVIDENCE_MAPPING_INVALID, "the evaluation partials hold no fairness counts")
    return measure_fairness(
        partials.fairness,
        metric=metric,
        confidence=confidence,
        replicates=replicates,
        seed=seed,
        min_group_size=min_group_size,
        progress=progress,
    )


def _arrow_frame(frame: Any, names: Sequence[str], categorical: Sequence[str]) -> Any:
    """Drift columns of a loaded table as Arrow: numbers as float64, everything else as text."""
    import pyarrow as pa

    forced = set(categorical)
    columns = {}
    for name in names:
        values = frame[name].to_numpy()
        numeric = values.dtype != bool and np.issubdtype(values.dtype, np.number)
        columns[name] = (
            pa.array(values.astype(np.float64, copy=False)) if numeric and name not in forced else _text(frame[name])
        )
    return pa.table(columns)


def drift_of(
    ev: EvidenceSet,
    *,
    features: Sequence[str] | None,
    categorical: Sequence[str],
    method: str,
    threshold: float | None,
    review_p: float,
    retrain_p: float,
    progress: Progress | None = None,
) -> DriftMeasurement:
    """The drift measurement of the reference and current evidence (profile fixed by the reference)."""
    from govern.evidence import require_columns
    from govern.stats import Partials, Spec, evidence_partials, measure_drift, profile_source, reference_partials

    ref_item = ev.require("reference", purpose="drift")
    cur_item = ev.require("current", purpose="drift")
    score = ref_item.mapping.score or cur_item.mapping.score
    skip = {ref_item.mapping.label, ref_item.mapping.prediction} - {None}
    if _streams(ref_item):
        reference = reference_partials(ref_item)
        if categorical:
            wrong = [c for c in categorical if c in reference.features and reference.features[c].kind != "categorical"]
            if wrong:
                raise GovernError(
                    CHECK_PARAMS_INVALID,
                    f"the reference partials profiled {wrong[0]!r} as numeric; add the reference again to treat it "
                    "as categorical",
                )
    else:
        frame, _ = ev.table("reference", purpose="drift")
        names = [str(c) for c in frame.columns if c not in skip] if features is None else [*features]
        if score and score in frame.columns and score not in names:
            names.append(score)
        require_columns(frame, names)
        profiles, states = profile_source(
            _arrow_frame(frame, names, categorical), categorical=categorical, name=ref_item.name
        )
        reference = Partials.assemble(Spec(features=profiles), rows=len(frame), features=states.values())
    spec = reference.spec
    if _streams(cur_item):
        current = evidence_partials(ev, "current", spec, purpose="drift", progress=progress)
        if current.spec.digest != spec.digest:
            raise GovernError(
                STATS_MERGE_MISMATCH, "the current partials were not collected on the reference's profile"
            )
    else:
        frame, _ = ev.table("current", purpose="drift")
        names = [f.name for f in spec.features]
        require_columns(frame, names)
        current = Partials(spec).update(_arrow_frame(frame, names, categorical), where=cur_item.name)
    chosen = [f.name for f in spec.features if f.name not in skip and f.name != score]
    if features is not None:
        missing = [f for f in features if f not in reference.features]
        if missing:
            raise GovernError(EVIDENCE_MISSING_COLUMN, f"feature {missing[0]!r} is not in the reference")
        chosen = list(features)
    return measure_drift(
        reference,
        current,
        features=chosen,
        method=method,
        threshold=threshold,
        review_p=review_p,
        retrain_p=retrain_p,
        score=score,
        progress=progress,
    )


def streams_role(ev: EvidenceSet, role: Any) -> bool:
    """Whether the evidence of ``role`` is a dataset or partials (read without pandas)."""
    item = ev.get(role)
    return item is not None and _streams(item)


def streams_evaluation(ev: EvidenceSet) -> bool:
    """Whether the evaluation evidence is a dataset or partials (read without pandas)."""
    return streams_role(ev, "evaluation")


def performance_of(
    ev: EvidenceSet,
    *,
    metric: str,
    threshold: float,
    confidence: float,
    replicates: int,
    seed: int = 0,
    progress: Progress | None = None,
) -> PerformanceMeasurement:
    """The performance measurement of streamed or stored evaluation evidence, with the interval
    of ``metric`` from the count cells; against the champion's own evaluation (its table, dataset
    or partials) when there is one: an unpaired comparison, each model's cells resampled
    independently (a paired bootstrap needs both models' scores on the same rows, which partials
    do not keep: ``govern.checks.performance`` does that on table files)."""
    from govern.stats import measure_performance

    challenger = _score_partials(ev, "challenger", threshold, progress)
    champion = None
    if ev.champion is not None and ev.champion.get("evaluation") is not None:
        champion = _score_partials(ev.champion, "champion", threshold, None)
    return measure_performance(
        challenger, metric=metric, confidence=confidence, replicates=replicates, seed=seed, champion=champion
    )


def _score_partials(ev: EvidenceSet, who: str, threshold: float, progress: Progress | None) -> Any:
    from govern.stats import Spec

    item = ev.require("evaluation", purpose=f"performance ({who})")
    m = item.mapping
    if not m.label or not m.score:
        raise GovernError(EVIDENCE_MAPPING_INVALID, f"the {who}'s evaluation evidence needs a label and a score column")
    spec = Spec(label=m.label, prediction=m.prediction, score=m.score, threshold=threshold, positive=m.positive)
    partials = evaluation_partials(ev, spec, purpose=f"performance ({who})", score=True, progress=progress)
    if partials.scores is None:
        raise GovernError(EVIDENCE_MAPPING_INVALID, f"the {who}'s evaluation partials hold no score counts")
    return partials.scores
