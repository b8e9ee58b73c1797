"""Geometry for the few inline SVG charts of the web inbox; the templates draw them.

Kept here (not in a charting library) so the pages need no build step and no JavaScript, and the
numbers behind every bar are plain values a test can check.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(rate: float, n: float, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``rate`` observed over ``n`` trials (95% by default).

    Returns (0, 1) when ``n`` is zero: with no observations, nothing is known.
    """
    if n <= 0:
        return 0.0, 1.0
    z2 = z * z
    denom = 1 + z2 / n
    centre = (rate + z2 / (2 * n)) / denom
    half = z * math.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, kw_only=True)
class Bar:
    label: str
    value: float
    y: float
    width: float
    lo_x: float | None = None  # CI whisker ends, in pixels
    hi_x: float | None = None
    lo: float | None = None  # CI ends, as values
    hi: float | None = None
    count: float | None = None
    flagged: bool = False


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, kw_only=True)
class BarChart:
    """A horizontal bar chart: bars start at ``left``; ``scale`` pixels per unit of value."""

    title: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    left: int
    plot_width: int
    row: int
    guides: list[Tick] = field(default_factory=list)  # dashed reference lines


_WIDTH, _LEFT, _ROW, _TOP = 640, 150, 30, 10


def _ticks(maximum: float, n: int, plot: int, fmt: str) -> list[Tick]:
    return [Tick(_LEFT + plot * i / n, format(maximum * i / n, fmt)) for i in range(n + 1)]


def fairness_chart(measurement: dict[str, Any]) -> BarChart | None:
    """Per-group selection rate with 95% Wilson intervals, and the four-fifths guide line.

    ``measurement`` is a fairness measurement (``per_group`` of ``count`` and ``selection_rate``);
    None when it has none.
    """
    groups = measurement.get("per_group") or {}
    rows = [
        (str(g), float(s["selection_rate"]), float(s.get("count", 0)))
        for g, s in sorted(groups.items())
        if isinstance(s, dict) and "selection_rate" in s
    ]
    if not rows:
        return None
    plot = _WIDTH - _LEFT - 20
    bars = []
    for i, (group, rate, n) in enumerate(rows):
        lo, hi = wilson_interval(rate, n)
        bars.append(
            Bar(
                label=group,
                value=rate,
                y=_TOP + i * _ROW,
                width=plot * rate,
                lo_x=_LEFT + plot * lo,
                hi_x=_LEFT + plot * hi,
                lo=lo,
                hi=hi,
                count=n,
            )
        )
    top = max(r for _, r, _ in rows)
    guide = Tick(_LEFT + plot * 0.8 * top, f"4/5 of highest ({0.8 * top:.2f})")
    return BarChart(
        title="Selection rate by group (95% CI)",
        bars=bars,
        ticks=_ticks(1.0, 4, plot, ".2f"),
        width=_WIDTH,
        height=_TOP + len(rows) * _ROW + 30,
        left=_LEFT,
        plot_width=plot,
        row=_ROW,
        guides=[guide],
    )


def drift_chart(measurement: dict[str, Any]) -> BarChart | None:
    """Population stability index per feature, largest first; drifted features flagged.

    Guides at 0.1 and 0.2 are the usual PSI rules of thumb (moderate, major shift); the decision
    itself is the policy's. None when the measurement has no ``per_feature`` PSI.
    """
    per_feature = measurement.get("per_feature") or {}
    drifted = set(measurement.get("drifted") or [])
    rows = sorted(
        ((str(f), float(s["psi"])) for f, s in per_feature.items() if isinstance(s, dict) and "psi" in s),
        key=lambda r: (-r[1], r[0]),
    )
    if not rows:
        return None
    plot = _WIDTH - _LEFT - 20
    maximum = max(0.25, math.ceil(max(v for _, v in rows) * 20) / 20)
    bars = [
        Bar(label=f, value=v, y=_TOP + i * _ROW, width=plot * v / maximum, flagged=f in drifted)
        for i, (f, v) in enumerate(rows)
    ]
    guides = [Tick(_LEFT + plot * g / maximum, f"PSI {g}") for g in (0.1, 0.2)]
    return BarChart(
        title="Drift by feature (PSI)",
        bars=bars,
        ticks=_ticks(maximum, 5, plot, ".2f"),
        width=_WIDTH,
        height=_TOP + len(rows) * _ROW + 30,
        left=_LEFT,
        plot_width=plot,
        row=_ROW,
        guides=guides,
    )


@dataclass(frozen=True)
class Box:
    ref: str
    label: str
    kind: str
    x: float
    y: float
    root: bool


@dataclass(frozen=True)
class Link:
    path: str
    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class Diagram:
    boxes: list[Box]
    links: list[Link]
    width: int
    height: int
    box_width: int
    box_height: int


_BOX_W, _BOX_H, _COL, _GAP = 168, 36, 204, 14
_KIND_ORDER = {"dataset": 0, "feature": 1, "component": 2, "run": 3, "model": 4}


def lineage_diagram(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], root: str) -> Diagram:
    """A left-to-right layered layout of an upstream lineage subgraph ending at ``root``.

    ``nodes`` and ``edges`` are :meth:`govern.lineage.Subgraph.to_dict` entries. A node's column is
    its longest distance to the root, so every edge points right.
    """
    refs = {n["ref"]: n for n in nodes}
    succ: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e["from"] in refs and e["to"] in refs:
            succ[e["from"]].append(e["to"])
    depth: dict[str, int] = {}

    def distance(ref: str, seen: frozenset[str]) -> int:
        if ref == root:
            return 0
        if ref not in depth:
            nxt = [d for d in succ[ref] if d not in seen]  # lineage is acyclic; guard anyway
            depth[ref] = 1 + max((distance(d, seen | {ref}) for d in nxt), default=0)
        return depth[ref]

    levels = {r: distance(r, frozenset()) for r in refs}
    width_cols = max(levels.values(), default=0)
    columns: dict[int, list[str]] = defaultdict(list)
    for ref in sorted(refs, key=lambda r: (_KIND_ORDER.get(refs[r]["kind"], 9), r)):
        columns[width_cols - levels[ref]].append(ref)
    tallest = max((len(c) for c in columns.values()), default=1)
    height = tallest * (_BOX_H + _GAP) + _GAP
    place: dict[str, tuple[float, float]] = {}
    boxes = []
    for col, members in sorted(columns.items()):
        offset = (height - len(members) * (_BOX_H + _GAP) + _GAP) / 2
        for i, ref in enumerate(members):
            x, y = 10 + col * _COL, offset + i * (_BOX_H + _GAP)
            place[ref] = (x, y)
            node = refs[ref]
            name = f"{node['name']}@{node['version']}" if node.get("version") else node["name"]
            label = name if len(name) <= 22 else name[:21] + "\u2026"
            boxes.append(Box(ref, label, node["kind"], x, y, ref == root))
    links = []
    for e in sorted(edges, key=lambda e: (e["from"], e["to"])):
        if e["from"] not in place or e["to"] not in place:
            continue
        (x1, y1), (x2, y2) = place[e["from"]], place[e["to"]]
        sx, sy, tx, ty = x1 + _BOX_W, y1 + _BOX_H / 2, x2 - 6, y2 + _BOX_H / 2
        mid = (sx + tx) / 2
        links.append(
            Link(
                f"M{sx:.1f},{sy:.1f} C{mid:.1f},{sy:.1f} {mid:.1f},{ty:.1f} {tx:.1f},{ty:.1f}",
                e["from"],
                e["to"],
                e["kind"],
            )
        )
    return Diagram(boxes, links, 20 + width_cols * _COL + _BOX_W, int(height), _BOX_W, _BOX_H)
