"""The mergeable partial states: exact count tables and fixed-grid histograms.

Every state is a set of integer counts keyed by *values* (group text, category text, grid cell,
distinct number), plus exact order-free extremes (min, max). Merging adds counts key by key, so
it is associative and commutative, and the canonical bytes (keys sorted) of the same rows are
the same whatever the batch order, batch size or engine. Float sums are never stored: anything
that needs one (log loss, Brier, calibration) is computed from the distinct values when they
were kept, and bounded from the grid when not.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from govern.core import GovernError, Location

from . import _codec
from ._codes import (
    EVIDENCE_MISSING_COLUMN,
    EVIDENCE_MISSING_VALUES,
    EVIDENCE_WRONG_TYPE,
    STATS_BYTES_INVALID,
    STATS_COUNTS_INVALID,
    STATS_MERGE_MISMATCH,
    STATS_SPEC_INVALID,
)
from ._columns import at_least, binary, binary_u8, column, floats, numbers, raw_codes, text_codes
from ._spec import CategoricalProfile, NumericProfile, Spec

CALIBRATION_BINS = 10
_BINCOUNT_MAX = 1 << 22  # cells of a dense fairness count (4 per intersectional group)
_S = TypeVar("_S", bound="_State")


class _State:
    """Common merge guard and bytes plumbing."""

    kind = ""
    spec: Spec

    def _check_same(self: _S, other: _S) -> None:
        if type(other) is not type(self):
            raise GovernError(STATS_MERGE_MISMATCH, f"cannot merge a {other.kind} state into a {self.kind} state")
        if other.spec.digest != self.spec.digest:
            raise GovernError(
                STATS_MERGE_MISMATCH,
                f"{self.kind} states were collected under different specs or reference profiles "
                f"({self.spec.digest[:12]} vs {other.spec.digest[:12]})",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _State) and self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]

    def to_bytes(self) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError


def _where(where: str | None) -> str:
    return where or "batch"


def _predictions(spec: Spec, batch: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(label, prediction) of a batch as 0/1 int64."""
    if spec.label is None:
        raise GovernError(STATS_SPEC_INVALID, "the spec names no label column")
    y = binary(column(batch, spec.label, where), spec.label, where, positive=spec.positive)
    if spec.prediction is not None:
        p = binary(column(batch, spec.prediction, where), spec.prediction, where, positive=spec.positive)
    elif spec.score is not None:  # any real score with its cut-off (not only probabilities)
        s = floats(column(batch, spec.score, where), spec.score, where)
        if np.isnan(s).any():
            raise GovernError(
                EVIDENCE_MISSING_VALUES,
                f"{int(np.isnan(s).sum())} empty value(s) in column {spec.score!r}",
                Location(where),
            )
        p = (s >= spec.threshold).astype(np.int64)
    else:
        raise GovernError(EVIDENCE_MISSING_COLUMN, "need a prediction or a score column", Location(where))
    return y, p


def _predictions_u8(spec: Spec, batch: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_predictions` as uint8 arrays, without float64 or int64 copies of the columns."""
    if spec.label is None:
        raise GovernError(STATS_SPEC_INVALID, "the spec names no label column")
    y = binary_u8(column(batch, spec.label, where), spec.label, where, positive=spec.positive)
    if spec.prediction is not None:
        p = binary_u8(column(batch, spec.prediction, where), spec.prediction, where, positive=spec.positive)
    elif spec.score is not None:
        p = at_least(column(batch, spec.score, where), spec.threshold, spec.score, where).view(np.uint8)
    else:
        raise GovernError(EVIDENCE_MISSING_COLUMN, "need a prediction or a score column", Location(where))
    return y, p


def _scores(spec: Spec, batch: Any, where: str) -> np.ndarray:
    assert spec.score is not None
    s = floats(column(batch, spec.score, where), spec.score, where)
    if len(s) and (not np.isfinite(s).all() or s.min() < 0 or s.max() > 1):
        raise GovernError(
            EVIDENCE_WRONG_TYPE, f"scores in {spec.score!r} must be probabilities in [0, 1]", Location(where)
        )
    return s


# -- fairness: group x label x prediction ------------------------------------------------------


class FairnessState(_State):
    """Confusion counts ``[tn, fp, fn, tp]`` per (intersectional) group, keyed by the group's values."""

    kind = "fairness"

    def __init__(self, spec: Spec) -> None:
        if not spec.sensitive:
            raise GovernError(STATS_SPEC_INVALID, "fairness needs at least one sensitive column")
        self.spec = spec
        self.cells: dict[tuple[str, ...], np.ndarray] = {}

    @property
    def rows(self) -> int:
        return int(sum(int(c.sum()) for c in self.cells.values()))

    def update(self, batch: Any, *, where: str | None = None) -> FairnessState:
        """Add the rows of one ``pyarrow.RecordBatch`` (or Table).

        One small integer per row, ``((group code) * 2 + label) * 2 + prediction`` with the group
        code mixed from the columns' dictionary indices (never their strings), counted by one
        ``np.bincount``; only the few non-empty cells are turned into text keys.
        """
        at = _where(where)
        if batch.num_rows == 0:
            return self
        y, p = _predictions_u8(self.spec, batch, at)
        dims: list[list[str]] = []
        codes: list[np.ndarray] = []
        for name in self.spec.sensitive:
            c, texts = raw_codes(column(batch, name, at), name, at)
            codes.append(c)
            dims.append(texts)
        sizes = [len(d) for d in dims]
        total = 4 * math.prod(sizes)
        kind = np.dtype(np.uint8 if total <= 1 << 8 else np.uint16 if total <= 1 << 16 else np.int64)
        key: np.ndarray = np.left_shift(y, 1, dtype=kind)
        key += p
        stride = 4
        for c, size in zip(codes, sizes, strict=True):
            part: np.ndarray = c.astype(kind, copy=False)
            key += np.multiply(part, stride, dtype=kind)
            stride *= size
        if total <= _BINCOUNT_MAX:
            counts = np.bincount(key, minlength=total)
            flats = np.flatnonzero(counts.reshape(-1, 4).sum(axis=1))
            blocks = [counts[f * 4 : f * 4 + 4] for f in flats]
        else:  # a huge (mostly empty) intersection cube: count only the keys present
            present, found = np.unique(key, return_counts=True)
            cube: dict[int, np.ndarray] = {}
            for k, n in zip(present.tolist(), found.tolist(), strict=True):
                cube.setdefault(k // 4, np.zeros(4, dtype=np.int64))[k % 4] += n
            flats = np.asarray(sorted(cube), dtype=np.int64)
            blocks = [cube[int(f)] for f in flats]
        for flat, cells in zip(flats.tolist(), blocks, strict=True):
            group: list[str] = []
            rest = int(flat)
            for d in dims:
                group.append(d[rest % len(d)])
                rest //= len(d)
            self._add(tuple(group), cells)
        return self

    def _add(self, group: tuple[str, ...], cells: np.ndarray) -> None:
        have = self.cells.get(group)
        if have is None:
            self.cells[group] = np.asarray(cells, dtype=np.int64).copy()
        else:
            have += cells

    def merge(self, other: FairnessState) -> FairnessState:
        """A new state with the counts of both (``stats_merge_mismatch`` across specs)."""
        self._check_same(other)
        out = FairnessState(self.spec)
        for state in (self, other):
            for group, cells in state.cells.items():
                out._add(group, cells)
        return out

    @classmethod
    def from_counts(cls, spec: Spec, keys: Iterable[Sequence[Any]], counts: Iterable[int]) -> FairnessState:
        """From GROUP BY rows: ``keys`` are ``(*sensitive values, label 0/1, prediction 0/1)``.

        Sensitive values are turned to text with ``str()``, as :meth:`update` does.
        """
        out = cls(spec)
        k = len(spec.sensitive)
        for key, count in zip(keys, counts, strict=True):
            if len(key) != k + 2:
                raise GovernError(STATS_COUNTS_INVALID, f"a fairness key needs {k + 2} parts, got {len(key)}")
            y, p = int(key[k]), int(key[k + 1])
            if y not in (0, 1) or p not in (0, 1) or int(count) < 0:
                raise GovernError(STATS_COUNTS_INVALID, f"bad fairness cell {tuple(key)!r}: {count}")
            cells = np.zeros(4, dtype=np.int64)
            cells[y * 2 + p] = int(count)
            out._add(tuple(str(v) for v in key[:k]), cells)
        return out

    def table(self) -> tuple[list[tuple[str, ...]], np.ndarray]:
        """Groups (sorted) and their counts shaped (groups, 4), empty groups dropped."""
        groups = sorted(g for g, c in self.cells.items() if c.sum() > 0)
        cube = np.array([self.cells[g] for g in groups], dtype=np.int64).reshape(len(groups), 4)
        return groups, cube

    def to_bytes(self) -> bytes:
        groups, cube = self.table()
        return _codec.encode(self.kind, self.spec.digest, {"groups": [list(g) for g in groups]}, {"cells": cube})

    @classmethod
    def from_bytes(cls, spec: Spec, data: bytes) -> FairnessState:
        digest, fields, arrays = _codec.decode(data, kind=cls.kind)
        _same_spec(spec, digest)
        out = cls(spec)
        cube = arrays["cells"].reshape(-1, 4)
        for group, cells in zip(fields["groups"], cube, strict=True):
            out._add(tuple(group), cells)
        return out


def _same_spec(spec: Spec, digest: str) -> None:
    if digest != spec.digest:
        raise GovernError(
            STATS_MERGE_MISMATCH, f"partials were collected under another spec ({digest[:12]} vs {spec.digest[:12]})"
        )


# -- scores: performance, AUC, calibration -----------------------------------------------------


class ScoreState(_State):
    """Counts behind performance at a threshold, AUC and calibration.

    ``confusion`` is ``[tn, fp, fn, tp]`` at the spec's prediction; ``binned`` holds negatives and
    positives per uniform score bin (``min(floor(s * score_bins), score_bins - 1)``);
    ``calibration`` rows and positives per 10 equal-width bins (right-closed, as
    ``calibration_curve``); ``distinct`` the exact (score, negatives, positives) table while it
    has at most ``score_distinct_cap`` rows, else None.
    """

    kind = "scores"

    def __init__(self, spec: Spec) -> None:
        if spec.score is None or spec.label is None:
            raise GovernError(STATS_SPEC_INVALID, "performance needs a label and a score column")
        self.spec = spec
        self.confusion = np.zeros(4, dtype=np.int64)
        self.binned = np.zeros((spec.score_bins, 2), dtype=np.int64)
        self.calibration = np.zeros((CALIBRATION_BINS, 2), dtype=np.int64)
        self.distinct: tuple[np.ndarray, np.ndarray] | None = (np.zeros(0), np.zeros((0, 2), dtype=np.int64))

    @property
    def rows(self) -> int:
        return int(self.confusion.sum())

    def update(self, batch: Any, *, where: str | None = None) -> ScoreState:
        at = _where(where)
        if batch.num_rows == 0:
            return self
        y, p = _predictions(self.spec, batch, at)
        s = _scores(self.spec, batch, at)
        self._add_rows(y, p, s)
        return self

    def _add_rows(self, y: np.ndarray, p: np.ndarray, s: np.ndarray) -> None:
        self.confusion += np.bincount(y * 2 + p, minlength=4)
        nb = self.spec.score_bins
        b = np.minimum((s * nb).astype(np.int64), nb - 1)
        self.binned += np.bincount(b * 2 + y, minlength=2 * nb).reshape(nb, 2)
        cal = np.searchsorted(np.linspace(0, 1, CALIBRATION_BINS + 1)[1:-1], s)
        self.calibration += np.bincount(cal * 2 + y, minlength=2 * CALIBRATION_BINS).reshape(-1, 2)
        if self.distinct is not None:
            values, inverse = np.unique(s, return_inverse=True)
            if len(values) > self.spec.score_distinct_cap:
                self.distinct = None
                return
            table = np.bincount(inverse * 2 + y, minlength=2 * len(values)).reshape(-1, 2)
            self._merge_distinct((values, table))

    def _merge_distinct(self, more: tuple[np.ndarray, np.ndarray] | None) -> None:
        if self.distinct is None or more is None:
            self.distinct = None
            return
        values = np.concatenate([self.distinct[0], more[0]])
        table = np.concatenate([self.distinct[1], more[1]])
        merged, inverse = np.unique(values, return_inverse=True)
        if len(merged) > self.spec.score_distinct_cap:
            self.distinct = None
            return
        out = np.zeros((len(merged), 2), dtype=np.int64)
        np.add.at(out, inverse, table)
        self.distinct = (merged, out)

    def merge(self, other: ScoreState) -> ScoreState:
        self._check_same(other)
        out = ScoreState(self.spec)
        out.confusion = self.confusion + other.confusion
        out.binned = self.binned + other.binned
        out.calibration = self.calibration + other.calibration
        out.distinct = self.distinct
        out._merge_distinct(other.distinct)
        return out

    @classmethod
    def from_counts(
        cls,
        spec: Spec,
        *,
        confusion: Sequence[int],
        binned: Iterable[tuple[int, int, int]],
        calibration: Iterable[tuple[int, int, int]],
        distinct: Iterable[tuple[float, int, int]] | None,
    ) -> ScoreState:
        """From GROUP BY rows.

        ``confusion``: ``[tn, fp, fn, tp]``; ``binned``: ``(bin, label, count)`` with
        ``bin = least(floor(score * score_bins), score_bins - 1)``; ``calibration``: ``(bin, label,
        count)`` with ``bin`` = number of inner edges ``0.1, ..., 0.9`` strictly below the score;
        ``distinct``: ``(score, label, count)``, or None when there were too many distinct scores.
        """
        out = cls(spec)
        out.confusion = np.asarray(confusion, dtype=np.int64).reshape(4).copy()
        for b, y, c in binned:
            out.binned[int(b), int(y)] += int(c)
        for b, y, c in calibration:
            out.calibration[int(b), int(y)] += int(c)
        if distinct is None:
            out.distinct = None
        else:
            rows = sorted((float(s), int(y), int(c)) for s, y, c in distinct)
            values = np.asarray([r[0] for r in rows], dtype=np.float64)
            labels = np.asarray([r[1] for r in rows], dtype=np.int64)
            counts = np.asarray([r[2] for r in rows], dtype=np.int64)
            uniq, inverse = np.unique(values, return_inverse=True)
            table = np.zeros((len(uniq), 2), dtype=np.int64)
            np.add.at(table, (inverse, labels), counts)
            out.distinct = None
            if len(uniq) <= spec.score_distinct_cap:
                out.distinct = (uniq, table)
        return out

    def to_bytes(self) -> bytes:
        flat = self.binned.ravel()
        nz = np.flatnonzero(flat)
        arrays = {"confusion": self.confusion, "binned_index": nz, "binned_count": flat[nz]}
        arrays["calibration"] = self.calibration.ravel()
        if self.distinct is not None:
            arrays["distinct_values"] = self.distinct[0]
            arrays["distinct_counts"] = self.distinct[1].ravel()
        return _codec.encode(self.kind, self.spec.digest, {"exact": self.distinct is not None}, arrays)

    @classmethod
    def from_bytes(cls, spec: Spec, data: bytes) -> ScoreState:
        digest, fields, arrays = _codec.decode(data, kind=cls.kind)
        _same_spec(spec, digest)
        out = cls(spec)
        out.confusion = arrays["confusion"].copy()
        flat = np.zeros(2 * spec.score_bins, dtype=np.int64)
        flat[arrays["binned_index"]] = arrays["binned_count"]
        out.binned = flat.reshape(-1, 2)
        out.calibration = arrays["calibration"].reshape(-1, 2).copy()
        out.distinct = None
        if fields.get("exact"):
            out.distinct = (arrays["distinct_values"].copy(), arrays["distinct_counts"].reshape(-1, 2).copy())
        return out


# -- numeric features: fixed-grid histograms ---------------------------------------------------


class NumericState(_State):
    """Counts of one numeric feature over its profile's grid, with exact extremes.

    ``counts[cell]`` over ``bins + 2`` cells (see :mod:`govern.stats._spec`); ``nulls`` counts
    null and NaN; ``splits[k]`` counts the values of the cell holding PSI edge ``k`` that are
    ``<= edge`` (so PSI bins are exact even when an edge falls inside a cell); ``distinct`` is the
    exact (value, count) table while it has at most ``distinct_cap`` rows, else None.
    """

    kind = "numeric"

    def __init__(self, spec: Spec, feature: str) -> None:
        profile = spec.feature(feature)
        if not isinstance(profile, NumericProfile):
            raise GovernError(STATS_SPEC_INVALID, f"feature {feature!r} is not numeric in the spec")
        self.spec = spec
        self.profile = profile
        self.counts = np.zeros(profile.n_cells, dtype=np.int64)
        self.nulls = 0
        self.low = float("inf")
        self.high = float("-inf")
        self.splits = np.zeros(len(profile.psi_edges), dtype=np.int64)
        # The exact distinct-value table, in one of two forms: while every occupied inner grid cell
        # has held a single value, ``_cell_value[cell]`` is that value and the table is read off
        # the cell counts (O(n) per batch, no sort), the under- and overflow cells' values kept
        # apart in ``_outer``; from the first inner cell holding two values on, the explicit
        # ``(values, counts)`` of ``_distinct`` (np.unique per batch), or None past the cap.
        self._cell_value: np.ndarray | None = np.full(profile.n_cells, np.nan)  # NaN: no value yet
        self._outer: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0, dtype=np.int64))
        self._distinct: tuple[np.ndarray, np.ndarray] | None = None
        edges = np.asarray(profile.psi_edges, dtype=np.float64)
        self._edges = edges
        self._edge_cells = profile.cells(edges) if len(edges) else np.zeros(0, dtype=np.int64)
        self._ambiguous = np.zeros(profile.n_cells, dtype=bool)
        self._ambiguous[self._edge_cells] = True
        self._edge_outer = (self._edge_cells == 0) | (self._edge_cells == profile.n_cells - 1)

    @property
    def distinct(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The exact ``(sorted values as float64, counts)`` table, or None past ``distinct_cap``."""
        if self._cell_value is not None:
            occupied = np.flatnonzero(self.counts[1:-1]) + 1
            values, counts = self._outer
            low = values < self.profile.lo  # the underflow cell's values come first, then the rest
            return (
                np.concatenate([values[low], self._cell_value[occupied], values[~low]]),
                np.concatenate([counts[low], self.counts[occupied], counts[~low]]),
            )
        return self._distinct

    @distinct.setter
    def distinct(self, table: tuple[np.ndarray, np.ndarray] | None) -> None:
        self._cell_value = None
        self._distinct = table

    @property
    def rows(self) -> int:
        return int(self.counts.sum()) + self.nulls

    @property
    def name(self) -> str:
        return self.profile.name

    def update(self, batch: Any, *, where: str | None = None) -> NumericState:
        at = _where(where)
        self.add_values(numbers(column(batch, self.name, at), self.name, at))
        return self

    def add_values(self, values: np.ndarray) -> None:
        """Add real values of any numeric dtype (float32 and integers are not widened to float64
        copies; NaN counted as null)."""
        if values.dtype.kind == "f":
            nan = np.isnan(values)
            n_nan = int(np.count_nonzero(nan))
            if n_nan:
                self.nulls += n_nan
                values = values[~nan]
        elif values.dtype.kind == "b":
            values = values.view(np.uint8)
        if len(values) == 0:
            return
        if values.dtype.kind in "iu" and self._add_integers(values):
            return
        n = len(values)
        cells = self.profile.cells_into(values, _scratch("work", n, np.float64), _scratch("cells", n, np.int64))
        batch = np.bincount(cells, minlength=self.profile.n_cells)
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))
        if self._cell_value is not None and self._add_cell_values(values, cells):
            if len(self._edges):  # every value of an inner edge cell is that cell's one value
                inside = self._cell_value[self._edge_cells] <= self._edges
                self.splits += np.where(inside & ~self._edge_outer, batch[self._edge_cells], 0)
                for j in np.flatnonzero(self._edge_outer & (batch[self._edge_cells] > 0)).tolist():
                    at_cell, at_edge = self._edge_cells[j], self._edges[j]
                    self.splits[j] += int(np.count_nonzero((cells == at_cell) & (values <= at_edge)))
        else:
            if self._distinct is not None:
                self._add_distinct(values)
            if len(self._edges):
                hit = np.take(self._ambiguous, cells, out=_scratch("hit", n, np.bool_))
                if hit.any():
                    xs, cs = values[hit], cells[hit]
                    for k, (edge, cell) in enumerate(zip(self._edges, self._edge_cells, strict=True)):
                        self.splits[k] += int(np.count_nonzero((cs == cell) & (xs <= edge)))
        self.counts += batch

    def _add_integers(self, values: np.ndarray) -> bool:
        """Integers of a narrow range (counts, ages, codes): the batch's exact (value, count) table
        by one ``bincount``, then everything else from that small table. False (nothing added)
        when the batch's range is too wide for a table."""
        low, high = int(values.min()), int(values.max())
        if high - low >= INTEGER_TABLE_SPAN:
            return False
        shifted = np.subtract(values, low, dtype=np.int64, out=_scratch("shifted", len(values), np.int64))
        tally = np.bincount(shifted, minlength=high - low + 1)
        present = np.flatnonzero(tally)
        self._add_table((present + low).astype(np.float64), tally[present].astype(np.int64))
        return True

    def _add_table(self, values: np.ndarray, counts: np.ndarray) -> None:
        """Add a batch given as its sorted distinct ``values`` (float64) and their ``counts``: the
        same state as adding the rows one by one."""
        cells = self.profile.cells(values)
        self.low = min(self.low, float(values[0]))
        self.high = max(self.high, float(values[-1]))
        for k, (edge, cell) in enumerate(zip(self._edges, self._edge_cells, strict=True)):
            self.splits[k] += int(counts[(cells == cell) & (values <= edge)].sum())
        if self._cell_value is not None:
            if not self._add_cell_values(values, cells, counts):
                self._merge_distinct((values, counts))  # the explicit table from here on (or None)
        elif self._distinct is not None:
            self._merge_distinct((values, counts))
        self.counts += np.bincount(cells, weights=counts, minlength=self.profile.n_cells).astype(np.int64)

    def _add_cell_values(self, values: np.ndarray, cells: np.ndarray, counts: np.ndarray | None = None) -> bool:
        """Whether the batch keeps the one-value-per-cell form (and then record its new cells).

        Call before adding the batch's counts. A value equal to its cell's known value costs one
        gather; the rest (values in cells seen for the first time: the known value is NaN) are
        checked to be one value per cell. On a conflict the state switches to the explicit table
        of the values added so far (the batch itself is left to the caller).
        """
        known = self._cell_value
        assert known is not None
        n = len(values)
        same = np.equal(
            np.take(known, cells, out=_scratch("known", n, np.float64)), values, out=_scratch("same", n, np.bool_)
        )
        if not same.all():
            odd = np.flatnonzero(~same)
            odd_cells, odd_values = cells[odd], values[odd]
            last = self.profile.n_cells - 1
            outer = (odd_cells == 0) | (odd_cells == last)  # under/overflow: any number of values
            table = self._outer
            if outer.any():
                if counts is None:
                    uniq, tally = np.unique(odd_values[outer], return_counts=True)
                else:  # a distinct table: its values are unique already
                    uniq, tally = odd_values[outer], counts[odd][outer]
                table = _merge_tables(table, (uniq.astype(np.float64) + 0.0, tally.astype(np.int64)))
                odd_cells, odd_values = odd_cells[~outer], odd_values[~outer]
            seen = np.full(self.profile.n_cells, np.nan)
            seen[odd_cells] = odd_values
            if not (np.isnan(known[odd_cells]).all() and (seen[odd_cells] == odd_values).all()):
                self.distinct = self.distinct  # two values in one cell: the explicit table from here on
                return False
            new = ~np.isnan(seen)
            if np.count_nonzero(~np.isnan(known) | new) + len(table[0]) > self.spec.distinct_cap:
                self.distinct = None
                return False
            known[new] = seen[new] + 0.0  # -0.0 and 0.0 are one value: keep +0.0
            self._outer = table
        return True

    def _add_distinct(self, values: np.ndarray) -> None:
        cap = self.spec.distinct_cap
        probe = values[: 2 * cap + 1]
        if len(np.unique(probe)) > cap:
            self.distinct = None
            return
        uniq, counts = np.unique(values, return_counts=True)
        self._merge_distinct((uniq.astype(np.float64) + 0.0, counts.astype(np.int64)))

    def _merge_distinct(self, more: tuple[np.ndarray, np.ndarray] | None) -> None:
        have = self.distinct
        if have is None or more is None:
            self.distinct = None
            return
        values = np.concatenate([have[0], more[0]])
        counts = np.concatenate([have[1], more[1]])
        merged, inverse = np.unique(values, return_inverse=True)
        if len(merged) > self.spec.distinct_cap:
            self.distinct = None
            return
        self.distinct = (merged, _sum_by(inverse, counts, len(merged)))

    def merge(self, other: NumericState) -> NumericState:
        self._check_same(other)
        if other.name != self.name:
            raise GovernError(STATS_MERGE_MISMATCH, f"cannot merge feature {other.name!r} into {self.name!r}")
        out = NumericState(self.spec, self.name)
        out.counts = self.counts + other.counts
        out.nulls = self.nulls + other.nulls
        out.low, out.high = min(self.low, other.low), max(self.high, other.high)
        out.splits = self.splits + other.splits
        mine, theirs = self._cell_value, other._cell_value
        if mine is not None and theirs is not None:
            had, new = self.counts > 0, other.counts > 0
            had[[0, -1]] = new[[0, -1]] = False  # the outer cells' values are in ``_outer``
            both = had & new
            if (mine[both] == theirs[both]).all():
                outer = _merge_tables(self._outer, other._outer)
                if np.count_nonzero(had | new) + len(outer[0]) > self.spec.distinct_cap:
                    out.distinct = None
                else:
                    out._cell_value = np.where(had, mine, theirs)
                    out._outer = outer
                return out
        out.distinct = self.distinct
        out._merge_distinct(other.distinct)
        return out

    @classmethod
    def from_counts(
        cls,
        spec: Spec,
        feature: str,
        *,
        cells: Iterable[tuple[int, int]],
        nulls: int,
        low: float | None,
        high: float | None,
        splits: Sequence[int],
        distinct: Iterable[tuple[float, int]] | None,
    ) -> NumericState:
        """From GROUP BY rows: ``cells`` are ``(cell index, count)`` with the grid formula of
        :mod:`govern.stats._spec`; ``splits[k]`` = rows with ``cell = cell(edge_k)`` and
        ``x <= edge_k``; ``distinct`` = ``(value, count)`` rows, or None when over the cap.
        ``low``/``high`` are the min/max of the non-NaN values (None when there are none)."""
        out = cls(spec, feature)
        for cell, count in cells:
            out.counts[int(cell)] += int(count)
        out.nulls = int(nulls)
        if low is not None and high is not None and out.counts.sum() > 0:
            out.low, out.high = float(low), float(high)
        if len(splits) != len(out.splits):
            raise GovernError(STATS_COUNTS_INVALID, f"feature {feature!r}: need {len(out.splits)} PSI splits")
        out.splits = np.asarray(splits, dtype=np.int64).copy()
        if distinct is None:
            out.distinct = None
        else:
            pairs = [(float(v), int(c)) for v, c in distinct]
            values = np.asarray([v for v, _ in pairs], dtype=np.float64)
            counts = np.asarray([c for _, c in pairs], dtype=np.int64)
            uniq, inverse = np.unique(values, return_inverse=True)
            out.distinct = (uniq, _sum_by(inverse, counts, len(uniq))) if len(uniq) <= spec.distinct_cap else None
        return out

    def to_bytes(self) -> bytes:
        nz = np.flatnonzero(self.counts)
        arrays = {"cell_index": nz, "cell_count": self.counts[nz], "splits": self.splits}
        if self.distinct is not None:
            arrays["distinct_values"], arrays["distinct_counts"] = self.distinct
        empty = self.counts.sum() == 0
        fields = {
            "feature": self.name,
            "nulls": self.nulls,
            "low": None if empty else _codec.hexf(self.low),
            "high": None if empty else _codec.hexf(self.high),
            "exact": self.distinct is not None,
        }
        return _codec.encode(self.kind, self.spec.digest, fields, arrays)

    @classmethod
    def from_bytes(cls, spec: Spec, data: bytes) -> NumericState:
        digest, fields, arrays = _codec.decode(data, kind=cls.kind)
        _same_spec(spec, digest)
        out = cls(spec, fields["feature"])
        out.counts[arrays["cell_index"]] = arrays["cell_count"]
        out.nulls = int(fields["nulls"])
        if fields["low"] is not None:
            out.low, out.high = _codec.unhexf(fields["low"]), _codec.unhexf(fields["high"])
        out.splits = arrays["splits"].copy()
        out.distinct = None
        if fields["exact"]:
            out.distinct = (arrays["distinct_values"].copy(), arrays["distinct_counts"].copy())
        return out


_SCRATCH = threading.local()
INTEGER_TABLE_SPAN = 1 << 16  # an integer batch spanning fewer values is counted by value


def _scratch(name: str, n: int, dtype: Any) -> np.ndarray:
    """A per-thread reusable buffer of at least ``n`` items (temporaries of one batch, never kept)."""
    buffers: dict[str, np.ndarray] = _SCRATCH.__dict__.setdefault("buffers", {})
    have = buffers.get(name)
    if have is None or len(have) < n or have.dtype != dtype:
        have = buffers[name] = np.empty(max(n, 1 << 16), dtype=dtype)
    out: np.ndarray = have[:n]
    return out


def _merge_tables(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted (values, counts) tables as one."""
    if not len(b[0]):
        return a
    merged, inverse = np.unique(np.concatenate([a[0], b[0]]), return_inverse=True)
    return merged, _sum_by(inverse, np.concatenate([a[1], b[1]]), len(merged))


def _sum_by(index: np.ndarray, counts: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, counts)
    return out


# -- categorical features ------------------------------------------------------------------------


class CategoryState(_State):
    """Counts of one categorical feature per value (as text), and its nulls."""

    kind = "categorical"

    def __init__(self, spec: Spec, feature: str) -> None:
        profile = spec.feature(feature)
        if not isinstance(profile, CategoricalProfile):
            raise GovernError(STATS_SPEC_INVALID, f"feature {feature!r} is not categorical in the spec")
        self.spec = spec
        self.name = feature
        self.counts: dict[str, int] = {}
        self.nulls = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values()) + self.nulls

    def update(self, batch: Any, *, where: str | None = None) -> CategoryState:
        import pyarrow.compute as pc

        at = _where(where)
        array = column(batch, self.name, at)
        nulls = array.null_count
        if array.type.id in (11, 12):  # float / double: NaN counts as empty, as pandas dropna
            nulls += int(pc.sum(pc.is_nan(array)).as_py() or 0)
            array = pc.filter(array, pc.invert(pc.is_nan(array)))
        self.nulls += nulls
        array = array.drop_null()
        if len(array) == 0:
            return self
        codes, texts = text_codes(array, self.name, at)
        for text, count in zip(texts, np.bincount(codes, minlength=len(texts)), strict=True):
            if count:
                self.counts[text] = self.counts.get(text, 0) + int(count)
        return self

    def merge(self, other: CategoryState) -> CategoryState:
        self._check_same(other)
        if other.name != self.name:
            raise GovernError(STATS_MERGE_MISMATCH, f"cannot merge feature {other.name!r} into {self.name!r}")
        out = CategoryState(self.spec, self.name)
        for state in (self, other):
            for text, count in state.counts.items():
                out.counts[text] = out.counts.get(text, 0) + count
        out.nulls = self.nulls + other.nulls
        return out

    @classmethod
    def from_counts(
        cls, spec: Spec, feature: str, keys: Iterable[Any], counts: Iterable[int], *, nulls: int = 0
    ) -> CategoryState:
        """From GROUP BY rows: one category value (``str()``-ed) and its count each; nulls apart."""
        out = cls(spec, feature)
        for key, count in zip(keys, counts, strict=True):
            text = str(key)
            out.counts[text] = out.counts.get(text, 0) + int(count)
        out.nulls = int(nulls)
        return out

    def to_bytes(self) -> bytes:
        keys = sorted(k for k, v in self.counts.items() if v)
        fields = {"feature": self.name, "nulls": self.nulls, "categories": keys}
        counts = np.asarray([self.counts[k] for k in keys], dtype=np.int64)
        return _codec.encode(self.kind, self.spec.digest, fields, {"counts": counts})

    @classmethod
    def from_bytes(cls, spec: Spec, data: bytes) -> CategoryState:
        digest, fields, arrays = _codec.decode(data, kind=cls.kind)
        _same_spec(spec, digest)
        out = cls(spec, fields["feature"])
        out.counts = {k: int(c) for k, c in zip(fields["categories"], arrays["counts"], strict=True)}
        out.nulls = int(fields["nulls"])
        return out


FeatureState = NumericState | CategoryState


# -- everything one pass over a table collects ---------------------------------------------------


class Partials(_State):
    """The states of one table under one spec: fairness and scores when the spec asks for them,
    one state per feature. Its bytes embed the whole spec, so a partials file is self-describing.
    """

    kind = "partials"

    def __init__(self, spec: Spec, *, only: Sequence[str] | None = None) -> None:
        """``only``: collect just these parts (``fairness``, ``scores``, ``features``), e.g. a
        fairness check streaming a table that also has scores."""
        self.spec = spec
        wanted = set(only) if only is not None else {"fairness", "scores", "features"}
        self.fairness: FairnessState | None = (
            FairnessState(spec) if spec.sensitive and spec.label and "fairness" in wanted else None
        )
        self.scores: ScoreState | None = ScoreState(spec) if spec.score and spec.label and "scores" in wanted else None
        self.features: dict[str, FeatureState] = {}
        for profile in spec.features if "features" in wanted else ():
            if isinstance(profile, NumericProfile):
                self.features[profile.name] = NumericState(spec, profile.name)
            else:
                self.features[profile.name] = CategoryState(spec, profile.name)
        self.rows = 0

    def empty_like(self, *, features: Sequence[str], with_tables: bool) -> Partials:
        """Empty partials collecting what these do, but only the ``features`` named, and the
        fairness and score tables only ``with_tables``: what one read of a column group fills."""
        out = Partials(self.spec, only=())
        if with_tables:
            out.fairness = None if self.fairness is None else FairnessState(self.spec)
            out.scores = None if self.scores is None else ScoreState(self.spec)
        for name in features:
            out.features[name] = type(self.features[name])(self.spec, name)
        return out

    def update(self, batch: Any, *, where: str | None = None) -> Partials:
        if self.fairness is not None:
            self.fairness.update(batch, where=where)
        if self.scores is not None:
            self.scores.update(batch, where=where)
        for state in self.features.values():
            state.update(batch, where=where)
        self.rows += int(batch.num_rows)
        return self

    def merge(self, other: Partials) -> Partials:
        self._check_same(other)
        if (self.fairness is None, self.scores is None, sorted(self.features)) != (
            other.fairness is None,
            other.scores is None,
            sorted(other.features),
        ):
            raise GovernError(STATS_MERGE_MISMATCH, "these partials collected different parts of the spec")
        out = Partials(self.spec, only=())
        if self.fairness is not None and other.fairness is not None:
            out.fairness = self.fairness.merge(other.fairness)
        if self.scores is not None and other.scores is not None:
            out.scores = self.scores.merge(other.scores)
        out.features = {n: s.merge(other.features[n]) for n, s in self.features.items()}  # type: ignore[arg-type]
        out.rows = self.rows + other.rows
        return out

    @classmethod
    def assemble(
        cls,
        spec: Spec,
        *,
        rows: int,
        fairness: FairnessState | None = None,
        scores: ScoreState | None = None,
        features: Iterable[FeatureState] = (),
    ) -> Partials:
        """Partials from states an engine built with ``from_counts`` (missing parts stay empty)."""
        out = cls(spec, only=())
        out.rows = int(rows)
        if fairness is not None:
            out.fairness = fairness
        if scores is not None:
            out.scores = scores
        for state in features:
            out.features[state.name] = state
        return out

    def to_bytes(self) -> bytes:
        parts: list[bytes] = []
        names: list[list[Any]] = []
        if self.fairness is not None:
            parts.append(self.fairness.to_bytes())
            names.append(["fairness", len(parts[-1])])
        if self.scores is not None:
            parts.append(self.scores.to_bytes())
            names.append(["scores", len(parts[-1])])
        for name in sorted(self.features):
            parts.append(self.features[name].to_bytes())
            names.append([f"feature:{name}", len(parts[-1])])
        fields = {"spec": self.spec.describe(), "rows": self.rows, "parts": names}
        blob = np.frombuffer(b"".join(parts), dtype=np.uint8)
        return _codec.encode(self.kind, self.spec.digest, fields, {"parts": blob})

    @classmethod
    def from_bytes(cls, data: bytes, spec: Spec | None = None) -> Partials:
        """Partials from their bytes; with ``spec`` given, refuse partials of another spec."""
        digest, fields, arrays = _codec.decode(data, kind=cls.kind)
        embedded = Spec.from_dict(fields["spec"])
        if embedded.digest != digest:
            raise GovernError(STATS_BYTES_INVALID, "the embedded spec does not match the partials' spec digest")
        if spec is not None:
            _same_spec(spec, digest)
        out = cls(embedded, only=())
        out.rows = int(fields["rows"])
        blob = arrays["parts"].tobytes()
        offset = 0
        for name, length in fields["parts"]:
            chunk = blob[offset : offset + int(length)]
            offset += int(length)
            if name == "fairness":
                out.fairness = FairnessState.from_bytes(embedded, chunk)
            elif name == "scores":
                out.scores = ScoreState.from_bytes(embedded, chunk)
            else:
                feature = name.split(":", 1)[1]
                profile = embedded.feature(feature)
                state_cls = NumericState if isinstance(profile, NumericProfile) else CategoryState
                out.features[feature] = state_cls.from_bytes(embedded, chunk)
        return out

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description (rows, parts, spec digest) for evidence records."""
        return {
            "spec_digest": self.spec.digest,
            "rows": self.rows,
            "fairness_groups": len(self.fairness.cells) if self.fairness else 0,
            "features": sorted(self.features),
            "scores": self.scores is not None,
            "spec": json.loads(self.spec.canonical()),
        }
