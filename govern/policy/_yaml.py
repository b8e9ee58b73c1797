"""YAML loading that remembers where every node is.

PyYAML's compose step gives nodes with marks; we build plain Python values from them and keep
an index from each value's path (``("spec", "rules", 0, "require")``) to its position, so schema
and CEL errors can be reported as ``file:line:col``. Aliases are expanded with a node budget
(no "billion laughs"), duplicate keys are errors (PyYAML silently keeps the last one).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from ._problems import Problem

MAX_FILE_BYTES: Final = 1_000_000
MAX_NODES: Final = 100_000

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Pos:
    line: int  # 1-based
    col: int  # 1-based
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"


@dataclass(slots=True)
class Document:
    """One YAML document: its data and the position of every value and mapping key."""

    file: str
    data: Any
    values: dict[PathKey, Pos] = field(default_factory=dict)
    keys: dict[PathKey, Pos] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def pos(self, path: PathKey, *, key: bool = False) -> Pos:
        """Position of ``path`` (of its key with ``key=True``), else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return Pos(1, 1)

    def problem(self, path: PathKey, code: str, message: str, *, key: bool = False) -> Problem:
        at = self.pos(path, key=key)
        return Problem(self.file, at.line, at.col, code, message)

    def expression_pos(self, path: PathKey, line: int, col: int) -> tuple[int, int]:
        """File position of (line, col) inside the string scalar at ``path`` (best effort)."""
        at = self.pos(path)
        if at.style in ("|", ">"):
            # Block content starts on the line after the indicator, indented like its first line.
            first = self.lines[at.line] if at.line < len(self.lines) else ""
            return at.line + line, len(first) - len(first.lstrip(" ")) + col
        if line == 1:
            return at.line, at.col + col - 1 + (1 if at.style in ("'", '"') else 0)
        return at.line + line - 1, col


class _Budget(Exception):
    pass


def _mark(node: yaml.Node) -> Pos:
    style = node.style if isinstance(node, yaml.ScalarNode) else None
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1, style)


_constructor = yaml.SafeLoader("")


def _convert(node: yaml.Node, path: PathKey, doc: Document, problems: list[Problem], budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _Budget
    doc.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        _constructor.flatten_mapping(node)  # merge keys (<<)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _constructor.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                problems.append(
                    Problem(doc.file, *_pos(key_node), "yaml_key_not_string", "mapping keys must be strings")
                )
                continue
            if key in out:
                problems.append(Problem(doc.file, *_pos(key_node), "yaml_duplicate_key", f"duplicate key {key!r}"))
                continue
            doc.keys[(*path, key)] = _mark(key_node)
            out[key] = _convert(value_node, (*path, key), doc, problems, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), doc, problems, budget) for i, item in enumerate(node.value)]
    value = _constructor.construct_object(node)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _compose_all(text: str) -> Iterable[yaml.Node]:
    """The node trees of every document, by libyaml when PyYAML has it (about 10x faster: most of
    loading the shipped packs); text libyaml refuses is composed again by the pure-Python parser,
    so a syntax problem reads and is located the same either way."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return list(yaml.compose_all(text, Loader=fast))
        except yaml.YAMLError:
            pass
    return yaml.compose_all(text, Loader=yaml.SafeLoader)  # lazy: documents before a problem are kept


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_documents(path: Path, *, display: str | None = None) -> tuple[list[Document], list[Problem]]:
    """Parse every YAML document in ``path``; never raises for bad content.

    Returns the documents that parsed and the problems found (``yaml_syntax_error``,
    ``yaml_too_large``, ``yaml_duplicate_key``, ``yaml_key_not_string``, ``policy_file_unreadable``).
    """
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Problem(name, 1, 1, "policy_file_unreadable", exc.strerror or str(exc))]
    if len(raw) > MAX_FILE_BYTES:
        return [], [Problem(name, 1, 1, "yaml_too_large", f"file is larger than {MAX_FILE_BYTES} bytes")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(name, 1, 1, "yaml_syntax_error", f"not UTF-8: {exc.reason}")]
    problems: list[Problem] = []
    docs: list[Document] = []
    budget = [MAX_NODES]
    lines = text.splitlines()
    start = (1, 1)
    try:
        for node in _compose_all(text):
            if node is None:
                continue
            start = _pos(node)
            doc = Document(name, None, lines=lines)
            doc.data = _convert(node, (), doc, problems, budget)
            docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(
            Problem(name, line, col, "yaml_syntax_error", " ".join(filter(None, [exc.context, exc.problem])))
        )
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 1, 1, "yaml_syntax_error", str(exc)))
    except _Budget:
        problems.append(Problem(name, *start, "yaml_too_large", f"more than {MAX_NODES} nodes after expanding aliases"))
    except RecursionError:
        problems.append(Problem(name, *start, "yaml_too_large", "nesting too deep"))
    return docs, problems
