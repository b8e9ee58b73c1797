"""Text renderings of a lineage subgraph: an indented tree and Graphviz DOT."""

from __future__ import annotations

import json

from ._query import NodeView, Subgraph


def _label(view: NodeView) -> str:
    shown = {k: v for k, v in view.attrs.items() if v not in (None, "", False)}
    extras = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{view.ref} ({view.kind}{', ' + extras if extras else ''})"


def render_tree(graph: Subgraph) -> str:
    """An indented tree from the root; a node met again is shown once and marked."""
    children: dict[int, list[int]] = {}
    for src, dst, _ in graph.edges:
        parent, child = (dst, src) if graph.direction == "upstream" else (src, dst)
        children.setdefault(parent, []).append(child)
    for kids in children.values():
        kids.sort(key=lambda i: graph.nodes[i].ref)
    lines = [_label(graph.nodes[graph.root])]
    seen = {graph.root}

    def walk(node: int, prefix: str) -> None:
        kids = children.get(node, [])
        for i, kid in enumerate(kids):
            last = i == len(kids) - 1
            branch = "└── " if last else "├── "
            if kid in seen:
                lines.append(f"{prefix}{branch}{graph.nodes[kid].ref} (see above)")
                continue
            seen.add(kid)
            lines.append(f"{prefix}{branch}{_label(graph.nodes[kid])}")
            walk(kid, prefix + ("    " if last else "│   "))

    walk(graph.root, "")
    return "\n".join(lines) + "\n"


_SHAPES = {
    "dataset": "cylinder",
    "feature": "parallelogram",
    "run": "box",
    "model": "doubleoctagon",
    "component": "component",
}


def render_dot(graph: Subgraph) -> str:
    """Graphviz DOT, edges pointing the way data flows."""
    out = ["digraph lineage {", "  rankdir=LR;"]
    for view in sorted(graph.nodes.values(), key=lambda v: v.ref):
        out.append(f"  {json.dumps(view.ref)} [shape={_SHAPES.get(view.kind, 'ellipse')}];")
    for src, dst, kind in sorted(graph.edges):
        a, b = json.dumps(graph.nodes[src].ref), json.dumps(graph.nodes[dst].ref)
        out.append(f"  {a} -> {b} [label={json.dumps(kind)}];")
    out.append("}")
    return "\n".join(out) + "\n"
