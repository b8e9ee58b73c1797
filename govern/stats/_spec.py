"""What to collect: the :class:`Spec` and the per-feature reference profiles (fixed grids).

A spec is immutable and has a digest (SHA-256 over a canonical JSON form in which every
float is written as ``float.hex``, so the digest never depends on float formatting). States
built under different specs refuse to merge.

Numeric grid (the contract every engine reproduces bit for bit)::

    cell(x) = 0                                  if x < lo
            = 1 + min(floor((x - lo) * scale), bins) otherwise (x >= lo, finite or +inf)

with ``scale = bins / (hi - lo)`` (``hi - lo`` taken as 1 when the reference is constant), so
there are ``bins + 2`` cells: underflow, ``bins`` uniform cells, overflow. Subtraction and
multiplication by a positive number are monotone under IEEE rounding, so ``x < y`` implies
``cell(x) <= cell(y)``: cells are ordered intervals, whatever the rounding inside them. NaN and
null count apart. SQL engines compute the same expression in double precision.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from govern.core import GovernError

from ._codes import EVIDENCE_EMPTY, EVIDENCE_WRONG_TYPE, STATS_SPEC_INVALID

DEFAULT_BINS = 16_384
DISTINCT_CAP = 65_536
SCORE_BINS = 65_536
SCORE_DISTINCT_CAP = 1 << 20
PSI_BINS = 10


def _hex(value: float) -> str:
    return float(value).hex()


@dataclass(frozen=True, kw_only=True)
class NumericProfile:
    """The fixed grid of one numeric feature, taken from the reference.

    ``lo``/``hi`` are the reference's minimum and maximum, ``bins`` the number of uniform cells
    between them, ``psi_edges`` the inner PSI bin edges (the reference deciles, right-closed bins),
    ``std`` the reference standard deviation (ddof 0) that normalizes Wasserstein-1.
    """

    name: str
    lo: float
    hi: float
    bins: int = DEFAULT_BINS
    psi_edges: tuple[float, ...] = ()
    std: float = 1.0
    kind: Literal["numeric"] = "numeric"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lo) and math.isfinite(self.hi) and self.lo <= self.hi):
            raise GovernError(STATS_SPEC_INVALID, f"feature {self.name!r}: need finite lo <= hi")
        if self.bins < 1:
            raise GovernError(STATS_SPEC_INVALID, f"feature {self.name!r}: bins must be >= 1")
        if list(self.psi_edges) != sorted(set(self.psi_edges)):
            raise GovernError(STATS_SPEC_INVALID, f"feature {self.name!r}: psi_edges must be increasing")

    @property
    def scale(self) -> float:
        width = self.hi - self.lo
        return self.bins / (width if width > 0 else 1.0)

    @property
    def n_cells(self) -> int:
        return self.bins + 2

    def cells(self, values: np.ndarray) -> np.ndarray:
        """Cell index (int64) of each non-NaN value (see the module docstring).

        Any real dtype: the arithmetic is float64 whatever the input (float32 and small integers
        widen exactly inside the subtraction, without a float64 copy of the column first).
        """
        return self.cells_into(values, np.empty(len(values)), np.empty(len(values), dtype=np.int64))

    def cells_into(self, values: np.ndarray, work: np.ndarray, out: np.ndarray) -> np.ndarray:
        """:meth:`cells` computed in caller-owned buffers (float64 ``work``, int64 ``out``, each
        at least ``len(values)`` long): a stream reuses them batch after batch instead of paying
        fresh pages for every temporary. Returns the filled ``out[:len(values)]``."""
        n = len(values)
        u = np.subtract(values, self.lo, dtype=np.float64, out=work[:n])
        u *= self.scale
        np.floor(u, out=u)
        np.clip(u, -1.0, float(self.bins), out=u)
        u += 1.0
        cells: np.ndarray = out[:n]
        np.copyto(cells, u, casting="unsafe")
        return cells

    def cell_bounds(self, lowest: float, highest: float) -> tuple[np.ndarray, np.ndarray]:
        """Conservative [left, right] value bounds of every cell, given the data's min and max.

        Widened by a few ulps of the grid's magnitude so float rounding in :meth:`cells` can
        never put a value outside its cell's bounds.
        """
        k = np.arange(self.bins + 2, dtype=np.float64)
        step = 1.0 / self.scale
        fuzz = 8 * np.finfo(np.float64).eps * (abs(self.lo) + abs(self.hi) + step * self.bins)
        left = self.lo + (k - 1) * step - fuzz
        right = self.lo + k * step + fuzz
        left[0], right[0] = min(lowest, self.lo), self.lo
        left[-1], right[-1] = self.lo + self.bins * step - fuzz, max(highest, self.hi)
        return np.minimum(left, right), right

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "lo": _hex(self.lo),
            "hi": _hex(self.hi),
            "bins": self.bins,
            "psi_edges": [_hex(e) for e in self.psi_edges],
            "std": _hex(self.std),
        }


@dataclass(frozen=True, kw_only=True)
class CategoricalProfile:
    """A categorical feature; ``categories`` are the reference's values (as strings), for the record."""

    name: str
    categories: tuple[str, ...] = ()
    kind: Literal["categorical"] = "categorical"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "categories": list(self.categories)}


FeatureProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True, kw_only=True)
class Spec:
    """What one pass over a table collects.

    Parameters
    ----------
    label, prediction, score:
        Columns of the true label, the hard prediction and the positive-class score. Without a
        prediction column the prediction is ``score >= threshold``.
    positive:
        The label/prediction value that means the positive class, when not 0/1 or boolean.
    sensitive:
        Sensitive columns; several are intersected (groups ``("Female", "Black")``).
    features:
        Drift features with their reference profile (grids fixed by the reference).
    distinct_cap, score_distinct_cap:
        Up to this many distinct values per numeric feature (per score) are kept exactly, so
        small data gives exact KS / Wasserstein / AUC; beyond it the grid alone (with bounds).
    """

    label: str | None = None
    prediction: str | None = None
    score: str | None = None
    threshold: float = 0.5
    positive: str | None = None
    sensitive: tuple[str, ...] = ()
    features: tuple[FeatureProfile, ...] = ()
    distinct_cap: int = DISTINCT_CAP
    score_bins: int = SCORE_BINS
    score_distinct_cap: int = SCORE_DISTINCT_CAP
    _digest: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise GovernError(STATS_SPEC_INVALID, "a feature is listed twice")
        object.__setattr__(self, "_digest", hashlib.sha256(self.canonical()).hexdigest())

    def describe(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "prediction": self.prediction,
            "score": self.score,
            "threshold": _hex(self.threshold),
            "positive": self.positive,
            "sensitive": list(self.sensitive),
            "features": [f.describe() for f in self.features],
            "distinct_cap": self.distinct_cap,
            "score_bins": self.score_bins,
            "score_distinct_cap": self.score_distinct_cap,
        }

    def canonical(self) -> bytes:
        return json.dumps(self.describe(), sort_keys=True, separators=(",", ":")).encode()

    @property
    def digest(self) -> str:
        """SHA-256 hex of the canonical form."""
        return self._digest

    def feature(self, name: str) -> FeatureProfile:
        for f in self.features:
            if f.name == name:
                return f
        raise GovernError(STATS_SPEC_INVALID, f"feature {name!r} is not in the spec")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spec:
        """Inverse of :meth:`describe` (raises ``stats_spec_invalid`` on a malformed document)."""
        try:
            features: list[FeatureProfile] = []
            for f in data.get("features", []):
                if f["kind"] == "numeric":
                    features.append(
                        NumericProfile(
                            name=f["name"],
                            lo=float.fromhex(f["lo"]),
                            hi=float.fromhex(f["hi"]),
                            bins=int(f["bins"]),
                            psi_edges=tuple(float.fromhex(e) for e in f["psi_edges"]),
                            std=float.fromhex(f["std"]),
                        )
                    )
                else:
                    features.append(CategoricalProfile(name=f["name"], categories=tuple(f["categories"])))
            return cls(
                label=data.get("label"),
                prediction=data.get("prediction"),
                score=data.get("score"),
                threshold=float.fromhex(data.get("threshold", _hex(0.5))),
                positive=data.get("positive"),
                sensitive=tuple(data.get("sensitive", ())),
                features=tuple(features),
                distinct_cap=int(data.get("distinct_cap", DISTINCT_CAP)),
                score_bins=int(data.get("score_bins", SCORE_BINS)),
                score_distinct_cap=int(data.get("score_distinct_cap", SCORE_DISTINCT_CAP)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise GovernError(STATS_SPEC_INVALID, f"malformed spec: {exc}") from None


def numeric_profile(name: str, reference: np.ndarray, *, bins: int = DEFAULT_BINS) -> NumericProfile:
    """The profile of a numeric feature from its reference values (in memory; NaN ignored).

    PSI edges are the exact reference deciles (``numpy.quantile``, linear, deduplicated), as the
    in-memory drift check has always used.
    """
    a = np.sort(reference[~np.isnan(reference)])
    if len(a) == 0:
        raise GovernError(EVIDENCE_EMPTY, f"feature {name!r} has no non-empty reference values")
    edges = np.unique(np.quantile(a, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
    finite = a[np.isfinite(a)]
    if len(finite) == 0:
        raise GovernError(EVIDENCE_WRONG_TYPE, f"feature {name!r} has no finite reference values")
    return NumericProfile(
        name=name,
        lo=float(finite[0]),
        hi=float(finite[-1]),
        bins=bins,
        psi_edges=tuple(float(e) for e in edges),
        std=float(np.std(a)),
    )


def profile_from_histogram(
    name: str, *, lo: float, hi: float, counts: np.ndarray, std: float, bins: int = DEFAULT_BINS
) -> NumericProfile:
    """A profile whose PSI edges are the reference deciles read off a grid histogram.

    Used when the reference is streamed (no sort of the whole column): each decile edge is the
    right end of the cell where the cumulative count crosses ``q * n``, so the edges are grid
    cell boundaries, the PSI bins hold whole cells, and the PSI is exact for those bins.
    """
    base = NumericProfile(name=name, lo=lo, hi=hi, bins=bins, std=std)
    cum = np.cumsum(counts)
    n = int(cum[-1])
    edges: list[float] = []
    step = 1.0 / base.scale
    for q in np.linspace(0, 1, PSI_BINS + 1)[1:-1]:
        k = int(np.searchsorted(cum, q * n, side="left"))
        k = min(max(k, 1), bins)
        edges.append(float(np.nextafter(lo + k * step, -np.inf)))
    return NumericProfile(name=name, lo=lo, hi=hi, bins=bins, psi_edges=tuple(sorted(set(edges))), std=std)


def spec_for(
    *,
    label: str | None = None,
    prediction: str | None = None,
    score: str | None = None,
    threshold: float = 0.5,
    positive: str | None = None,
    sensitive: Sequence[str] = (),
    features: Sequence[FeatureProfile] = (),
) -> Spec:
    """Convenience constructor (sequences instead of tuples)."""
    return Spec(
        label=label,
        prediction=prediction,
        score=score,
        threshold=threshold,
        positive=positive,
        sensitive=tuple(sensitive),
        features=tuple(features),
    )
