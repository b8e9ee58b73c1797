"""Charts as inline SVG, drawn from numbers (no plotting library, nothing fetched).

Every label is XML-escaped here: chart text comes from data (feature names, refs).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ._data import DriftFeature, FeatureImportance, GroupRate, LineageGraph, MonitoringPoint
from ._format import fmt

_W = 640  # viewBox width; the <svg> scales to the column width
_LABEL = 170  # left gutter for row labels
_ROW = 22
_FONT = 'font-family="DejaVu Sans, sans-serif" font-size="11"'
_BLUE, _RED, _ORANGE, _GREY = "#3b6ea8", "#c0392b", "#d9822b", "#888888"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_CROP = 6.0  # with the title as a caption, the top of its band is cut off (nothing else is drawn there)


def _svg(height: float, body: list[str], title: str, *, caption: bool, width: float = _W) -> str:
    """The chart with its title drawn at the top, or (``caption``) an HTML ``<figcaption>`` with
    the title followed by the chart without it: WeasyPrint 70 lays SVG text out one Pango layout
    per letter, so a title costs it tens of times more as SVG text than as a line of HTML."""
    label = escape(title)
    head, top = "", 0.0
    if caption:
        head, top = f'<figcaption class="chart-title">{label}</figcaption>', _CROP
    else:
        body = [f'<text x="0" y="14" {_FONT} font-weight="bold">{label}</text>', *body]
    return (
        f'{head}<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'viewBox="0 {top:.0f} {width:.0f} {height - top:.0f}" width="100%" role="img" aria-label="{label}">'
        f"<title>{label}</title>{''.join(body)}</svg>"
    )


def _tick(value: float) -> str:
    """An axis tick label: as few digits as the value needs (0, 0.2, 0.25), unlike measured
    values, which always print with ``fmt``."""
    return f"{value:.4g}"


def _axis(
    x0: float, x1: float, top: float, bottom: float, vmax: float, ticks: int = 5, *, label_every: int = 1
) -> list[str]:
    """The x axis: ``ticks`` intervals of grid lines (one path: WeasyPrint draws each SVG element
    with its own style and state), every ``label_every``-th line labelled."""
    grid = "".join(f"M{x0 + (x1 - x0) * i / ticks:.1f} {top}V{bottom}" for i in range(ticks + 1))
    out = [
        f'<path d="{grid}" stroke="#e4e4e4"/>',
        f'<line x1="{x0}" y1="{bottom}" x2="{x1}" y2="{bottom}" stroke="#444"/>',
    ]
    for i in range(0, ticks + 1, label_every):
        x = x0 + (x1 - x0) * i / ticks
        out.append(f'<text x="{x:.1f}" y="{bottom + 13}" text-anchor="middle" {_FONT}>{_tick(vmax * i / ticks)}</text>')
    return out


def _nice_max(values: Sequence[float]) -> float:
    top = max([v for v in values if v == v] + [1e-9])
    for step in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0):
        scale = 10 ** (len(str(int(top))) - 1) if top >= 10 else 1
        if top <= step * scale:
            return step * scale
    return top


def _bars(
    rows: Sequence[tuple[str, float, str]],
    *,
    title: str,
    vmax: float | None = None,
    intervals: Sequence[tuple[float, float]] | None = None,
    threshold: float | None = None,
    threshold_label: str = "",
    caption: bool = False,
    values: bool = True,
    sparse_ticks: bool = False,
) -> str:
    """Horizontal bars: (label, value, colour) rows, optional CI whiskers and threshold line; each
    bar's value printed at its end unless not ``values``; with ``sparse_ticks``, grid lines at
    quarters of the scale labelled at halves (0, 0.5, 1 on a rate scale), else fifths, all labelled."""
    top, n = 24.0, len(rows)
    bottom = top + n * _ROW + 4
    extent = [v for _, v, _ in rows] + [hi for _, hi in intervals or []] + [threshold or 0]
    vmax = vmax or _nice_max(extent)
    x0, x1 = float(_LABEL), float(_W - 60)

    def sx(v: float) -> float:
        return x0 + (x1 - x0) * max(0.0, min(v, vmax)) / vmax

    body = _axis(x0, x1, top, bottom, vmax, 4, label_every=2) if sparse_ticks else _axis(x0, x1, top, bottom, vmax)
    for i, (label, value, colour) in enumerate(rows):
        y = top + i * _ROW + 4
        body.append(f'<text x="{x0 - 6}" y="{y + 12}" text-anchor="end" {_FONT}>{escape(_clip(label, 28))}</text>')
        body.append(f'<rect x="{x0}" y="{y}" width="{sx(value) - x0:.1f}" height="{_ROW - 8}" fill="{colour}"/>')
        end = sx(value)
        if intervals:
            lo, hi = intervals[i]
            cy = y + (_ROW - 8) / 2
            a, b = sx(lo), sx(hi)
            body.append(
                f'<path d="M{a:.1f} {cy - 5}v10M{a:.1f} {cy}H{b:.1f}M{b:.1f} {cy - 5}v10" '
                f'stroke="#111" stroke-width="1.2" fill="none"/>'
            )
            end = max(end, b)
        if values:
            body.append(f'<text x="{end + 4:.1f}" y="{y + 12}" {_FONT}>{fmt(value)}</text>')
    if threshold is not None:
        tx = sx(threshold)
        body.append(
            f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{bottom}" stroke="{_RED}" '
            f'stroke-dasharray="5,3" stroke-width="1.5"/>'
        )
        body.append(
            f'<text x="{tx + 3:.1f}" y="{top - 6}" fill="{_RED}" {_FONT}>'
            f"{escape(threshold_label)} {fmt(threshold)}</text>"
        )
    return _svg(bottom + 20, body, title, caption=caption)


def group_rate_chart(groups: Sequence[GroupRate], *, title: str, caption: bool = False, values: bool = True) -> str:
    """Per-group values with confidence-interval whiskers, on a 0..1 scale when they are rates;
    ``values=False`` leaves the numbers to a table beside the chart (the reports print one)."""
    known = all(g.lower is not None and g.upper is not None for g in groups)
    vmax = 1.0 if all((g.upper if g.upper is not None else g.value) <= 1.0 for g in groups) else None
    rows = [(g.group, g.value, _BLUE) for g in groups]
    intervals = [(g.lower, g.upper) for g in groups] if known else None
    sparse = vmax == 1.0 and not values  # the table beside the chart has the numbers
    return _bars(rows, title=title, vmax=vmax, intervals=intervals, caption=caption, values=values, sparse_ticks=sparse)  # type: ignore[arg-type]


def drift_chart(features: Sequence[DriftFeature], *, title: str, caption: bool = False, values: bool = True) -> str:
    """Drift statistic per feature; drifted features red; the (first) threshold as a dashed line."""
    rows = [(f.feature, f.statistic, _RED if f.drifted else _BLUE) for f in features if f.statistic is not None]
    threshold = features[0].threshold if features else None
    return _bars(rows, title=title, threshold=threshold, threshold_label="threshold", caption=caption, values=values)


def importance_chart(
    importance: Sequence[FeatureImportance], *, title: str, top: int = 15, caption: bool = False, values: bool = True
) -> str:
    """Mean |SHAP| per feature, descending; protected attributes and proxies in orange."""
    ranked = sorted(importance, key=lambda f: -f.value)[:top]
    rows = [(f.feature + (" *" if f.protected else ""), f.value, _ORANGE if f.protected else _BLUE) for f in ranked]
    return _bars(rows, title=title, caption=caption, values=values)


_KIND_FILL = {"dataset": "#e8f0fa", "feature": "#eef7ea", "run": "#fdf3e3", "model": "#f6e7ef", "component": "#eeeeee"}


def lineage_chart(graph: LineageGraph, *, root: str, title: str, caption: bool = False) -> str:
    """Upstream lineage left to right: topological layers (networkx), one column per layer."""
    import networkx as nx

    g: Any = nx.DiGraph()
    kinds = {n.ref: n.kind for n in graph.nodes}
    g.add_nodes_from(kinds)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    if root and root not in g:
        g.add_node(root)
    try:
        layers = [sorted(layer) for layer in nx.topological_generations(g)]
    except nx.NetworkXUnfeasible:  # a cycle: fall back to distance from the root
        dist = nx.single_source_shortest_path_length(g.reverse(), root) if root in g else {}
        depth = max(dist.values(), default=0)
        by: dict[int, list[str]] = {}
        for node in g:
            by.setdefault(depth - dist.get(node, depth), []).append(node)
        layers = [sorted(by[k]) for k in sorted(by)]
    box_w, box_h, gap_y = 150.0, 34.0, 14.0
    cols = max(len(layers), 1)
    gap_x = max(20.0, (_W - cols * box_w) / max(cols - 1, 1)) if cols > 1 else 0.0
    scale_w = cols * box_w + (cols - 1) * gap_x
    tallest = max((len(layer) for layer in layers), default=1)
    height = 30 + tallest * (box_h + gap_y)
    pos: dict[str, tuple[float, float]] = {}
    for c, layer in enumerate(layers):
        offset = (tallest - len(layer)) * (box_h + gap_y) / 2
        for r, node in enumerate(layer):
            pos[node] = (c * (box_w + gap_x), 26 + offset + r * (box_h + gap_y))
    body: list[str] = []
    for a, b in g.edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        x1, y1, x2, y2 = xa + box_w, ya + box_h / 2, xb, yb + box_h / 2
        body.append(
            f'<path d="M{x1:.1f} {y1:.1f}C{x1 + 30:.1f} {y1:.1f} {x2 - 30:.1f} {y2:.1f} {x2 - 6:.1f} {y2:.1f}" '
            f'stroke="#777" fill="none"/>'
            f'<path d="M{x2:.1f} {y2:.1f}l-7 -4v8z" fill="#777"/>'
        )
    for node, (x, y) in pos.items():
        kind = kinds.get(node, "model" if node == root else "")
        stroke = ' stroke-width="2.2"' if node == root else ""
        body.append(
            f'<g><title>{escape(node)}</title><rect x="{x:.1f}" y="{y:.1f}" width="{box_w}" height="{box_h}" '
            f'rx="5" fill="{_KIND_FILL.get(kind, "#f2f2f2")}" stroke="#555"{stroke}/>'
            f'<text x="{x + 6:.1f}" y="{y + 13:.1f}" {_FONT} fill="{_GREY}">{escape(kind)}</text>'
            f'<text x="{x + 6:.1f}" y="{y + 27:.1f}" {_FONT}>{escape(_clip(node.split(":", 1)[-1], 24))}</text></g>'
        )
    # Wide graphs keep their aspect ratio: the viewBox grows instead of the boxes shrinking.
    return _svg(height, body, title, caption=caption, width=max(_W, scale_w))


_OUTCOME_COLOUR = {"monitor": _BLUE, "review": _ORANGE, "retrain": _RED}


def monitoring_chart(points: Sequence[MonitoringPoint], *, title: str, caption: bool = False) -> str:
    """The drift headline of each monitoring run over time: one dot per run coloured by its outcome
    (monitor, review, retrain), joined in time order; the drift threshold as a dashed line."""
    measured = [p for p in points if p.max_statistic is not None]
    top, height = 24.0, 150.0
    bottom = top + height
    x0, x1 = 60.0, float(_W - 20)
    threshold = next((p.threshold for p in reversed(measured) if p.threshold is not None), None)
    vmax = _nice_max([p.max_statistic or 0.0 for p in measured] + [threshold or 0.0])

    def sy(v: float) -> float:
        return bottom - height * max(0.0, min(v, vmax)) / vmax

    def sx(i: int) -> float:
        return x0 + (x1 - x0) * (i + 0.5) / max(len(measured), 1)

    body: list[str] = []
    for i in range(5):
        v = vmax * i / 4
        body.append(f'<line x1="{x0}" y1="{sy(v):.1f}" x2="{x1}" y2="{sy(v):.1f}" stroke="#e4e4e4"/>')
        body.append(f'<text x="{x0 - 6}" y="{sy(v) + 4:.1f}" text-anchor="end" {_FONT}>{_tick(v)}</text>')
    if not measured:
        body.append(f'<text x="{x0 + 8}" y="{top + height / 2}" {_FONT}>no monitoring run measured drift yet</text>')
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{sx(i):.1f} {sy(p.max_statistic or 0.0):.1f}" for i, p in enumerate(measured)
    )
    if path:
        body.append(f'<path d="{path}" stroke="#666" stroke-width="1.2" fill="none"/>')
    step = max(1, len(measured) // 8)  # at most ~8 date labels
    for i, p in enumerate(measured):
        colour = _OUTCOME_COLOUR.get(p.outcome, _GREY)
        body.append(
            f'<circle cx="{sx(i):.1f}" cy="{sy(p.max_statistic or 0.0):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(p.time[:10])} {escape(p.outcome)}: {escape(p.method)} {fmt(p.max_statistic)}, "
            f"{p.drifted} drifted</title></circle>"
        )
        if i % step == 0:
            body.append(
                f'<text x="{sx(i):.1f}" y="{bottom + 13}" text-anchor="middle" {_FONT}>{escape(p.time[:10])}</text>'
            )
    if threshold is not None:
        body.append(
            f'<line x1="{x0}" y1="{sy(threshold):.1f}" x2="{x1}" y2="{sy(threshold):.1f}" stroke="{_RED}" '
            f'stroke-dasharray="5,3" stroke-width="1.5"/>'
        )
        body.append(f'<text x="{x1}" y="{sy(threshold) - 4:.1f}" text-anchor="end" fill="{_RED}" {_FONT}>'
                    f"threshold {fmt(threshold)}</text>")  # fmt: skip
    legend = "   ".join(f"● {k}" for k in _OUTCOME_COLOUR)
    body.append(f'<text x="{x0}" y="{bottom + 30}" {_FONT}>{escape(legend)}</text>')
    return _svg(bottom + 40, body, title, caption=caption)
