"""Stats: checks as mergeable partial statistics, so evidence of any size streams.

Design
------
A check reads its evidence once, batch by batch, into a small **state** and measures the state;
it never needs the rows again. Every state is made of integer counts keyed by *values*, so

* ``update(batch)`` adds one ``pyarrow.RecordBatch`` (or Table);
* ``merge(other)`` adds counts key by key: associative and commutative, and refused
  (``stats_merge_mismatch``) for a state of another :class:`Spec` (digest differs);
* ``to_bytes()`` is canonical (keys sorted, versioned header, spec digest inside): the same rows
  give the same bytes in any batch order, batch size or engine; ``from_bytes`` reads them back;
* ``from_counts(...)`` builds a state from pre-aggregated GROUP BY rows, which is how the DuckDB,
  Spark, Dask and Ray adapters produce identical bytes without moving rows.

The states:

* :class:`FairnessState` - confusion counts ``[tn, fp, fn, tp]`` per intersectional group,
  groups keyed by their values as text (so partials from different batches merge by value,
  never by a batch-local code). Fairness metrics and their multinomial bootstrap CI are
  functions of these cells, so a CI on 10^9 rows costs what it costs on 10^4.
* :class:`ScoreState` - confusion at the threshold, calibration bins, scores on a fine uniform
  grid per label, and the exact distinct-score table while it is small enough (AUC, log loss
  and Brier exact; beyond it AUC is binned with a computed bound).
* :class:`NumericState` - a histogram on the feature's fixed grid (the reference profile: the
  reference's [min, max] cut into ``bins`` uniform cells, plus an under- and an overflow
  cell), exact min/max, null/NaN count, PSI-edge splits (so PSI over the reference deciles is
  exact), and the exact distinct-value table while small. KS D, Wasserstein-1 and JS come with
  a guaranteed interval from the grid; exact when the distinct tables were kept.
* :class:`CategoryState` - counts per category value, and nulls.
* :class:`Partials` - all of the above for one table under one spec; its bytes embed the spec.

The :class:`Spec` says what to collect (label / prediction / score columns and threshold,
sensitive columns, features with their :class:`NumericProfile` / :class:`CategoricalProfile`).
Profiles are fixed when the reference evidence is added, so later windows are comparable.

Runners produce partials from data where it lives: ``local`` (pyarrow.dataset streaming over a
file, directory, glob or hive partitions, bounded memory) here; ``duckdb``, ``spark``, ``dask``
and ``ray`` register in :data:`ENGINES` and are imported only when used.

Evidence: ``govern.evidence`` stores partials but never imports this room. :func:`to_partials`
turns a dataset or a partials file into the bytes ``add_evidence(..., partials=to_partials)``
stores; :func:`evidence_partials` gives a check the partials of stored evidence.
"""

from . import _codes as codes
from ._cells import measure_cells, wilson_interval
from ._evidence import evaluation_spec, evidence_partials, reference_partials, to_partials
from ._local import collect_local, dataset, profile_source
from ._measure import (
    EFFECT_BANDS,
    auc_of,
    decide,
    decide_effect,
    feature_drift,
    ks_bracket,
    measure_drift,
    measure_fairness,
    measure_performance,
    performance_interval,
    score_metrics,
    wasserstein_bracket,
)
from ._runner import ENGINES, Engine, collect, engine, engine_version
from ._spec import (
    DEFAULT_BINS,
    DISTINCT_CAP,
    CategoricalProfile,
    FeatureProfile,
    NumericProfile,
    Spec,
    numeric_profile,
    profile_from_histogram,
)
from ._states import CategoryState, FairnessState, FeatureState, NumericState, Partials, ScoreState

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # what to collect
    "Spec",
    "NumericProfile",
    "CategoricalProfile",
    "FeatureProfile",
    "numeric_profile",
    "profile_from_histogram",
    "DEFAULT_BINS",
    "DISTINCT_CAP",
    # the mergeable states
    "FairnessState",
    "ScoreState",
    "NumericState",
    "CategoryState",
    "FeatureState",
    "Partials",
    # measuring states
    "measure_fairness",
    "measure_cells",
    "measure_drift",
    "measure_performance",
    "performance_interval",
    "feature_drift",
    "score_metrics",
    "auc_of",
    "ks_bracket",
    "wasserstein_bracket",
    "wilson_interval",
    "decide",
    "decide_effect",
    "EFFECT_BANDS",
    # evidence as partials (govern.evidence stores them; datasets come in through to_partials)
    "to_partials",
    "evidence_partials",
    "reference_partials",
    "evaluation_spec",
    # runners
    "collect",
    "collect_local",
    "profile_source",
    "dataset",
    "engine",
    "engine_version",
    "Engine",
    "ENGINES",
]
