"""Partials as SQL aggregates: the queries the DuckDB and Spark adapters run, and their assembly.

The engine runs a handful of GROUP BY / aggregate queries over the table and returns only their
rows (counts per cell, group, bin or distinct value); :func:`collect_sql` turns those rows into a
:class:`Partials` with the states' ``from_counts`` constructors, so the bytes equal the local
runner's for the same rows. Every float constant of the spec is written as
``CAST('<repr>' AS DOUBLE)`` (``repr`` round-trips and both engines parse it correctly rounded),
and the grid cell is the spec's formula in double precision, evaluated in the same order::

    cell(x) = 1 + floor(least(greatest((x - lo) * scale, -1), bins))     (NaN and null apart)

(clamping before ``floor`` equals clamping after it for integer bounds, and keeps Spark's
``floor`` away from infinities). Queries:

1. one aggregate row: row count, validation counts (nulls, non-binary labels, scores outside
   [0, 1]), per numeric feature its NaN/null count, min, max and an approximate distinct count;
2. fairness cells: ``GROUP BY sensitive..., label, prediction``;
3. score cells: ``GROUP BY bin, calibration bin, label, prediction``; the exact distinct-score
   table when the approximate distinct count says it can be within the cap;
4. grid cells of every numeric feature in one scan (``stack`` / ``unnest`` of (feature, cell,
   PSI-edge key), see :meth:`_Builder.edge_key`); exact (feature, value) counts for features that
   can be within the distinct cap;
5. one ``GROUP BY value`` per categorical feature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from govern.core import GovernError, Location

from ._codes import (
    EVIDENCE_LABEL_NOT_BINARY,
    EVIDENCE_MISSING_COLUMN,
    EVIDENCE_MISSING_VALUES,
    EVIDENCE_WRONG_TYPE,
    STATS_SPEC_INVALID,
)
from ._spec import CategoricalProfile, NumericProfile, Spec
from ._states import CALIBRATION_BINS, CategoryState, FairnessState, FeatureState, NumericState, Partials, ScoreState

Dialect = Literal["duckdb", "spark"]
ColumnKind = Literal["integer", "float", "boolean", "string", "other"]
Run = Callable[[str], list[tuple[Any, ...]]]
# an approximate distinct count above cap * this is taken as "over the cap" (HLL error ~2%)
APPROX_MARGIN = 1.5


@dataclass(frozen=True, kw_only=True)
class SqlSource:
    """A table an engine can query: its FROM clause, column kinds and a function returning rows."""

    dialect: Dialect
    relation: str
    columns: dict[str, ColumnKind]
    run: Run
    where: str


def quote(name: str, dialect: Dialect) -> str:
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def double(value: float) -> str:
    """A double constant both engines parse to exactly ``value``."""
    if not np.isfinite(value):
        raise GovernError(STATS_SPEC_INVALID, f"non-finite constant {value!r} in a spec")
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def _string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class _Builder:
    def __init__(self, spec: Spec, source: SqlSource) -> None:
        self.spec = spec
        self.source = source
        self.d = source.dialect
        for name in self._needed():
            if name not in source.columns:
                raise GovernError(
                    EVIDENCE_MISSING_COLUMN,
                    f"column {name!r} not found (columns: {', '.join(list(source.columns)[:12])})",
                    Location(source.where),
                )

    def _needed(self) -> list[str]:
        s = self.spec
        names = [n for n in (s.label, s.prediction, s.score) if n]
        return names + list(s.sensitive) + [f.name for f in s.features]

    def q(self, name: str) -> str:
        return quote(name, self.d)

    def isnan(self, expr: str) -> str:
        return f"isnan({expr})"

    def count_if(self, cond: str) -> str:
        return f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    def binary(self, name: str) -> tuple[str, str]:
        """(0/1 expression, condition true on a value that is not binary) of a label column."""
        col = self.q(name)
        kind = self.source.columns[name]
        positive = self.spec.positive
        string = "STRING" if self.d == "spark" else "VARCHAR"
        if positive is None and kind in ("integer", "float", "boolean"):
            if kind == "boolean":
                return f"CAST({col} AS INT)", "FALSE"
            return f"CAST({col} AS INT)", f"NOT ({col} = 0 OR {col} = 1)"
        if positive is not None:
            text = f"CAST({col} AS {string})"
            return f"CASE WHEN {text} = {_string(positive)} THEN 1 ELSE 0 END", "FALSE"
        low = f"lower(trim(CAST({col} AS {string})))"
        expr = f"CASE WHEN {low} IN ('true', '1') THEN 1 WHEN {low} IN ('false', '0') THEN 0 END"
        return expr, f"({expr}) IS NULL"

    def score(self) -> str:
        assert self.spec.score is not None
        return f"CAST({self.q(self.spec.score)} AS DOUBLE)"

    def label_pred(self) -> tuple[str, str]:
        assert self.spec.label is not None
        y, _ = self.binary(self.spec.label)
        if self.spec.prediction is not None:
            p, _ = self.binary(self.spec.prediction)
        else:
            p = f"CASE WHEN {self.score()} >= {double(self.spec.threshold)} THEN 1 ELSE 0 END"
        return y, p

    def cell(self, profile: NumericProfile, x: str) -> str:
        u = f"(({x} - {double(profile.lo)}) * {double(profile.scale)})"
        clamped = f"least(greatest({u}, CAST('-1.0' AS DOUBLE)), {double(float(profile.bins))})"
        return f"CAST(1 + floor({clamped}) AS BIGINT)"

    def x(self, profile: NumericProfile) -> str:
        return f"CAST({self.q(profile.name)} AS DOUBLE)"

    def numeric(self) -> list[NumericProfile]:
        return [f for f in self.spec.features if isinstance(f, NumericProfile)]

    def summary_sql(self) -> tuple[str, list[str]]:
        s = self.spec
        items: list[tuple[str, str]] = [("rows", "count(*)")]
        for name in [n for n in (s.label, s.prediction, s.score) if n] + list(s.sensitive):
            empty = f"{self.q(name)} IS NULL"
            if name == s.score:  # a NaN score is an empty value, as in the local runner
                empty += f" OR {self.isnan(self.score())}"
            items.append((f"null:{name}", self.count_if(empty)))
        for name in [n for n in (s.label, s.prediction) if n]:
            _, bad = self.binary(name)
            items.append((f"bad:{name}", self.count_if(f"{self.q(name)} IS NOT NULL AND {bad}")))
        if s.score and s.label:  # the score state needs probabilities (fairness alone takes any real)
            sc = self.score()
            items.append(("bad:score", self.count_if(f"{self.isnan(sc)} OR {sc} < 0 OR {sc} > 1")))
            items.append(("approx:score", f"approx_count_distinct({sc})"))
        for f in self.numeric():
            x = self.x(f)
            ok = f"{x} IS NOT NULL AND NOT {self.isnan(x)}"
            items.append((f"nulls:{f.name}", self.count_if(f"{x} IS NULL OR {self.isnan(x)}")))
            items.append((f"low:{f.name}", f"min(CASE WHEN {ok} THEN {x} END)"))
            items.append((f"high:{f.name}", f"max(CASE WHEN {ok} THEN {x} END)"))
            items.append((f"approx:{f.name}", f"approx_count_distinct(CASE WHEN {ok} THEN {x} END)"))
        for c in self.spec.features:
            if isinstance(c, CategoricalProfile):
                col = self.q(c.name)
                cond = f"{col} IS NULL"
                if self.source.columns[c.name] == "float":
                    cond += f" OR {self.isnan(col)}"
                items.append((f"nulls:{c.name}", self.count_if(cond)))
        sql = "SELECT " + ", ".join(expr for _, expr in items) + f" FROM {self.source.relation}"
        return sql, [k for k, _ in items]

    def fairness_sql(self) -> str:
        y, p = self.label_pred()
        keys = [self.q(n) for n in self.spec.sensitive]
        cols = ", ".join([*keys, f"{y} AS y__", f"{p} AS p__"])
        groups = ", ".join([*keys, "y__", "p__"])
        return f"SELECT {groups}, count(*) FROM (SELECT {cols} FROM {self.source.relation}) t GROUP BY {groups}"

    def scores_sql(self) -> str:
        y, p = self.label_pred()
        sc = self.score()
        nb = self.spec.score_bins
        b = f"least(CAST(floor({sc} * {double(float(nb))}) AS BIGINT), {nb - 1})"
        edges = np.linspace(0, 1, CALIBRATION_BINS + 1)[1:-1]
        cal = " + ".join(f"CASE WHEN {sc} > {double(float(e))} THEN 1 ELSE 0 END" for e in edges)
        inner = f"SELECT {b} AS b__, {cal} AS c__, {y} AS y__, {p} AS p__ FROM {self.source.relation}"
        return f"SELECT b__, c__, y__, p__, count(*) FROM ({inner}) t GROUP BY b__, c__, y__, p__"

    def distinct_scores_sql(self) -> str:
        y, _ = self.label_pred()
        inner = f"SELECT {self.score()} AS s__, {y} AS y__ FROM {self.source.relation}"
        return f"SELECT s__, y__, count(*) FROM ({inner}) t GROUP BY s__, y__"

    def _long(self, features: Sequence[NumericProfile], values: Callable[[NumericProfile], list[str]]) -> str:
        """(feature index, values...) rows, one per non-NaN value of each feature, in one scan."""
        index = {f.name: i for i, f in enumerate(self.numeric())}
        rows = []
        for f in features:
            x = self.x(f)
            nan = f"{x} IS NULL OR {self.isnan(x)}"
            rows.append((index[f.name], [f"CASE WHEN {nan} THEN NULL ELSE {v} END" for v in values(f)]))
        width = len(rows[0][1])
        names = ", ".join(f"v{k}__" for k in range(width))
        if self.d == "spark":
            args = ", ".join(f"{i}, {', '.join(vs)}" for i, vs in rows)
            return f"SELECT stack({len(rows)}, {args}) AS (j__, {names}) FROM {self.source.relation}"
        ids = ", ".join(str(i) for i, _ in rows)
        cols = ", ".join(f"unnest([{', '.join(vs[k] for _, vs in rows)}]) AS v{k}__" for k in range(width))
        return f"SELECT unnest([{ids}]) AS j__, {cols} FROM {self.source.relation}"

    def edge_key(self, f: NumericProfile) -> str:
        """0, or the index (1-based) of the first PSI edge whose cell holds ``x`` and ``x <= edge``.

        Edges are increasing, so a row of cell ``c`` with key ``j`` is ``<=`` every edge ``i >= j``
        of the same cell: ``splits[i]`` is the sum over keys ``j <= i`` whose edge is in cell ``c_i``.
        """
        if not f.psi_edges:
            return "0"
        x = self.x(f)
        cells = f.cells(np.asarray(f.psi_edges, dtype=np.float64))
        cell = self.cell(f, x)
        whens = " ".join(
            f"WHEN {cell} = {int(c)} AND {x} <= {double(e)} THEN {k + 1}"
            for k, (e, c) in enumerate(zip(f.psi_edges, cells, strict=True))
        )
        return f"CASE {whens} ELSE 0 END"

    def cells_sql(self) -> str:
        inner = self._long(self.numeric(), lambda f: [self.cell(f, self.x(f)), self.edge_key(f)])
        return f"SELECT j__, v0__, v1__, count(*) FROM ({inner}) t WHERE v0__ IS NOT NULL GROUP BY j__, v0__, v1__"

    def distinct_sql(self, features: Sequence[NumericProfile]) -> str:
        inner = self._long(features, lambda f: [self.x(f)])
        return f"SELECT j__, v0__, count(*) FROM ({inner}) t WHERE v0__ IS NOT NULL GROUP BY j__, v0__"

    def category_sql(self, profile: CategoricalProfile) -> str:
        col = self.q(profile.name)
        cond = f"{col} IS NOT NULL"
        if self.source.columns[profile.name] == "float":
            cond += f" AND NOT {self.isnan(col)}"
        return f"SELECT {col}, count(*) FROM {self.source.relation} WHERE {cond} GROUP BY {col}"


def _fail(code: str, message: str, where: str) -> None:
    raise GovernError(code, message, Location(where))


def collect_sql(spec: Spec, source: SqlSource) -> Partials:
    """Partials of the table ``source`` under ``spec``, from aggregate queries only."""
    b = _Builder(spec, source)
    run = source.run
    sql, keys = b.summary_sql()
    (row,) = run(sql)
    summary = dict(zip(keys, row, strict=True))
    total = int(summary["rows"])
    for name in [n for n in (spec.label, spec.prediction, spec.score) if n] + list(spec.sensitive):
        if summary[f"null:{name}"]:
            _fail(EVIDENCE_MISSING_VALUES, f"{summary[f'null:{name}']} empty value(s) in column {name!r}", source.where)
    for name in [n for n in (spec.label, spec.prediction) if n]:
        if summary[f"bad:{name}"]:
            _fail(EVIDENCE_LABEL_NOT_BINARY, f"column {name!r} must be 0/1 (or name the positive value)", source.where)
    if spec.score and spec.label and summary["bad:score"]:
        _fail(EVIDENCE_WRONG_TYPE, f"scores in {spec.score!r} must be probabilities in [0, 1]", source.where)

    fairness = scores = None
    if spec.sensitive and spec.label and total:
        rows = run(b.fairness_sql())
        fairness = FairnessState.from_counts(spec, [r[:-1] for r in rows], [int(r[-1]) for r in rows])
    if spec.score and spec.label and total:
        confusion = np.zeros(4, dtype=np.int64)
        binned: dict[tuple[int, int], int] = {}
        calibration: dict[tuple[int, int], int] = {}
        for bin_, cal, y, p, count in run(b.scores_sql()):
            confusion[int(y) * 2 + int(p)] += int(count)
            binned[(int(bin_), int(y))] = binned.get((int(bin_), int(y)), 0) + int(count)
            calibration[(int(cal), int(y))] = calibration.get((int(cal), int(y)), 0) + int(count)
        scores = ScoreState.from_counts(
            spec,
            confusion=confusion.tolist(),
            binned=[(k[0], k[1], v) for k, v in binned.items()],
            calibration=[(k[0], k[1], v) for k, v in calibration.items()],
            distinct=None,
        )
        if int(summary["approx:score"]) <= spec.score_distinct_cap * APPROX_MARGIN:
            rows = run(b.distinct_scores_sql())
            scores.distinct = _distinct_scores(rows, spec.score_distinct_cap)

    features: list[FeatureState] = []
    numeric = b.numeric()
    if numeric:
        cells: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(numeric))}
        keyed: dict[int, dict[int, int]] = {i: {} for i in range(len(numeric))}
        if total:
            for j, cell, key, count in run(b.cells_sql()):
                cells[int(j)].append((int(cell), int(count)))
                if int(key):
                    keyed[int(j)][int(key)] = keyed[int(j)].get(int(key), 0) + int(count)
        exact_candidates = [
            f for f in numeric if summary[f"approx:{f.name}"] is not None
            and int(summary[f"approx:{f.name}"]) <= spec.distinct_cap * APPROX_MARGIN
        ]  # fmt: skip
        distinct: dict[int, list[tuple[float, int]]] = {}
        if exact_candidates and total:
            index = {f.name: i for i, f in enumerate(numeric)}
            for f in exact_candidates:
                distinct[index[f.name]] = []
            for j, value, count in run(b.distinct_sql(exact_candidates)):
                distinct[int(j)].append((float(value), int(count)))
        for i, f in enumerate(numeric):
            present = sum(c for _, c in cells[i]) > 0
            exact = distinct.get(i, [] if not present else None)
            if exact is not None and len(exact) > spec.distinct_cap:
                exact = None
            edge_cells = f.cells(np.asarray(f.psi_edges, dtype=np.float64)).tolist()
            splits = [
                sum(n for key, n in keyed[i].items() if key <= k + 1 and edge_cells[key - 1] == edge_cells[k])
                for k in range(len(f.psi_edges))
            ]
            low, high = summary[f"low:{f.name}"], summary[f"high:{f.name}"]
            features.append(
                NumericState.from_counts(
                    spec,
                    f.name,
                    cells=cells[i],
                    nulls=int(summary[f"nulls:{f.name}"] or 0),
                    low=None if low is None else float(low),
                    high=None if high is None else float(high),
                    splits=splits,
                    distinct=exact,
                )
            )
    for c in spec.features:
        if isinstance(c, CategoricalProfile):
            rows = run(b.category_sql(c)) if total else []
            features.append(
                CategoryState.from_counts(
                    spec,
                    c.name,
                    [_text(r[0]) for r in rows],
                    [int(r[1]) for r in rows],
                    nulls=int(summary[f"nulls:{c.name}"] or 0),
                )
            )
    return Partials.assemble(spec, rows=total, fairness=fairness, scores=scores, features=features)


def _text(value: Any) -> str:
    """A group / category value as text, as ``str()`` of the pyarrow Python value (the local runner)."""
    return str(value)


def _distinct_scores(rows: list[tuple[Any, ...]], cap: int) -> tuple[np.ndarray, np.ndarray] | None:
    if not rows:
        return np.zeros(0), np.zeros((0, 2), dtype=np.int64)
    values = np.asarray([r[0] for r in rows], dtype=np.float64)
    labels = np.asarray([r[1] for r in rows], dtype=np.int64)
    counts = np.asarray([r[2] for r in rows], dtype=np.int64)
    uniq, inverse = np.unique(values, return_inverse=True)
    if len(uniq) > cap:
        return None
    table = np.zeros((len(uniq), 2), dtype=np.int64)
    np.add.at(table, (inverse, labels), counts)
    return uniq, table
