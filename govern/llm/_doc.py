"""Located access to a tool's JSON: every shape problem is a GovernError at its file, line and path."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from govern.core import GovernError, Location

from ._codes import LLM_RESULTS_INVALID

T = TypeVar("T")

_KIND_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


@dataclass(frozen=True, slots=True)
class At:
    """A place in a tool's output: the file (``archive!member`` inside a zip), a line, a JSON path."""

    file: str
    line: int | None = None
    path: str = "$"

    def __getitem__(self, key: str | int) -> At:
        step = f"[{key}]" if isinstance(key, int) else f".{key}"
        return At(self.file, self.line, self.path + step)

    def location(self) -> Location:
        return Location(self.file, self.line, path=self.path)

    def fail(self, message: str) -> NoReturn:
        raise GovernError(LLM_RESULTS_INVALID, message, self.location())

    def need(self, obj: Any, key: str, kind: type[T]) -> T:
        """``obj[key]``, which must exist and be of ``kind``."""
        if not isinstance(obj, dict):
            self.fail("expected an object")
        if key not in obj:
            self.fail(f"missing {key!r}")
        return self[key].check(obj[key], kind)

    def opt(self, obj: Any, key: str, kind: type[T]) -> T | None:
        """``obj[key]`` when present and not null, which must then be of ``kind``."""
        if not isinstance(obj, dict):
            self.fail("expected an object")
        value = obj.get(key)
        return None if value is None else self[key].check(value, kind)

    def check(self, value: Any, kind: type[T]) -> T:
        if kind is float:
            return self.number(value)  # type: ignore[return-value]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(f"expected {_KIND_NAMES.get(kind, kind.__name__)}, got {_json_type(value)}")
        return value

    def number(self, value: Any) -> float:
        """A finite JSON number (booleans are not numbers)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"expected a number, got {_json_type(value)}")
        if not math.isfinite(value):
            self.fail("expected a finite number")
        return float(value)


def _json_type(value: Any) -> str:
    return "null" if value is None else _KIND_NAMES.get(type(value), "a number")


def parse_json(text: str, at: At) -> Any:
    """The JSON value of ``text``; a syntax error is located at its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = exc.lineno + (at.line - 1 if at.line else 0)
        raise GovernError(
            LLM_RESULTS_INVALID, f"not JSON: {exc.msg}", Location(at.file, line, exc.colno, at.path)
        ) from None


def iter_jsonl(text: str, file: str) -> Iterator[tuple[At, dict[str, Any]]]:
    """Each non-blank line of a JSON Lines text as an object, with its place (1-based line)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        at = At(file, number)
        value = parse_json(line, at)
        if not isinstance(value, dict):
            at.fail(f"expected an object per line, got {_json_type(value)}")
        yield at, value


def as_text(value: Any) -> str:
    """A metadata value as a string: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
