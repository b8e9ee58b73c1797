"""Line numbers for YAML and JSON documents: source path -> (line, col), 1-based."""

from __future__ import annotations

from typing import Any

SourcePath = tuple[str | int, ...]


def positions(text: str, *, line_offset: int = 0) -> dict[SourcePath, tuple[int, int]]:
    """Map every mapping key and sequence item of a YAML (or JSON) document to its position.

    A mapping entry is located at its key, a sequence item at the item. Returns an empty map when
    the text does not compose (the caller reports the parse error itself).
    """
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[SourcePath, tuple[int, int]] = {}
    if root is None:
        return out

    def walk(node: Any, path: SourcePath) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                out[sub] = (key.start_mark.line + 1 + line_offset, key.start_mark.column + 1)
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, i)
                out[sub] = (item.start_mark.line + 1 + line_offset, item.start_mark.column + 1)
                walk(item, sub)

    out[()] = (root.start_mark.line + 1 + line_offset, root.start_mark.column + 1)
    walk(root, ())
    return out


def json_path(path: SourcePath) -> str:
    """``("a", 0, "b")`` -> ``$.a[0].b``."""
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def nearest(table: dict[SourcePath, tuple[int, int]], path: SourcePath) -> tuple[int, int] | None:
    """Position of ``path`` or of its closest located ancestor."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in table:
            return table[path[:cut]]
    return None
