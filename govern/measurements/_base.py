"""The machinery every measurement type shares: field docs, CEL types, JSON in and out.

A measurement is a frozen, keyword-only dataclass. Its fields are the contract:

* the CEL type of a field is derived from its annotation (``float`` -> ``double``, ``int`` ->
  ``int``, ``bool``, ``str`` (and ``Literal`` of strings) -> ``string``, ``list[T]`` ->
  ``list(T)``, ``dict[str, T]`` -> ``map(string,T)``, a record class -> its ``CEL_TYPE``);
  an optional field (``X | None``) is declared with the type of ``X`` and left out of
  ``to_cel()`` when None, so a rule naming it then errors (fails closed) instead of reading a
  made-up 0; a field marked ``cel=False`` is JSON only;
* ``to_json()`` is plain data (what the gate ledgers), ``None`` fields left out;
* ``from_json()`` reads it back and raises a located ``GovernError(measurement_invalid)``
  on a missing or mistyped field;
* ``to_cel()`` is the variables a rule's ``require`` sees.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple, TypeVar, Union, get_args, get_origin

from govern.core import GovernError

from ._codes import MEASUREMENT_INVALID

T = TypeVar("T", bound="Record")


class Interval(NamedTuple):
    """An interval ``[lower, upper]`` around a statistic: a confidence interval, or the bracket
    a gridded (approximate) statistic is known to lie in. JSON: a two-element list."""

    lower: float
    upper: float


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """A rule's limit on a measurement variable: a ``var <op> number`` comparison found in its
    ``require`` expression when the policy is compiled (``upper <= 0.1`` -> variable ``upper``,
    op ``<=``, value ``0.1``). Findings carry it; reports show it."""

    variable: str
    op: str
    value: float


def doc(text: str, *, cel: bool = True, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field with its documentation (rendered into docs/measurements.md) and
    whether rules see it (``cel=False``: JSON only)."""
    metadata = {"doc": text, "cel": cel}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    if isinstance(default, (dict, list)):
        empty = type(default)
        return dataclasses.field(default_factory=empty, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _is_optional(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _strip_optional(tp: Any) -> Any:
    args = [a for a in get_args(tp) if a is not type(None)]
    return args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007 - built from a runtime tuple


def cel_type_of(tp: Any) -> str | None:
    """The CEL type string of a Python annotation, or None when CEL cannot declare it."""
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is float:
        return "double"
    if tp is str or (get_origin(tp) is Literal and all(isinstance(a, str) for a in get_args(tp))):
        return "string"
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.CEL_TYPE
    origin = get_origin(tp)
    if origin in (list, tuple) and get_args(tp):
        inner = cel_type_of(get_args(tp)[0])
        return None if inner is None else f"list({inner})"
    if origin is dict and get_args(tp)[0] is str:
        inner = cel_type_of(get_args(tp)[1])
        return None if inner is None else f"map(string,{inner})"
    return None


class Record:
    """Base of measurements and their nested records (a group row, a feature's drift).

    Subclasses are ``@dataclass(frozen=True, kw_only=True)``; ``CEL_TYPE`` is the CEL type of a
    nested record (``map(string,double)`` for the per-group and per-feature tables).
    """

    CEL_TYPE: ClassVar[str | None] = None
    CEL_KEYS: ClassVar[tuple[str, ...]] = ()  # a nested record: the fields in its CEL map

    @classmethod
    def hints(cls) -> dict[str, Any]:
        return _hints(cls)

    @classmethod
    def cel_variables(cls) -> dict[str, str]:
        """Field name -> CEL type of every field a rule can read (declaration order)."""
        return _cel_variables(cls)

    def to_json(self) -> dict[str, Any]:
        """Plain data (JSON-able): nested records as objects, intervals as ``[lo, hi]``; None left out."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = _to_json(value)
        return out

    def to_cel(self) -> dict[str, Any]:
        """The CEL variables of this record: every declared field that is not None (see :meth:`cel_variables`)."""
        values = ((name, getattr(self, name)) for name in self.cel_variables())
        return {name: _to_cel(value) for name, value in values if value is not None}

    @classmethod
    def from_json(cls: type[T], data: Any, *, path: str = "") -> T:
        """Read :meth:`to_json`'s output back; ``GovernError(measurement_invalid)`` names the bad field."""
        where = path or getattr(cls, "CHECK", cls.__name__)
        if not isinstance(data, Mapping):
            raise GovernError(MEASUREMENT_INVALID, f"{where}: expected an object")
        hints = cls.hints()
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            tp = hints[f.name]
            if f.name not in data or data[f.name] is None:
                has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
                if _is_optional(tp) or has_default:
                    continue
                raise GovernError(MEASUREMENT_INVALID, f"{where}.{f.name}: missing")
            kwargs[f.name] = _from_json(tp, data[f.name], f"{where}.{f.name}")
        return cls(**kwargs)


_HINTS: dict[type, dict[str, Any]] = {}
_CEL: dict[type, dict[str, str]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _cel_variables(cls: type[Record]) -> dict[str, str]:
    if cls not in _CEL:
        _CEL[cls] = _derive_cel(cls)
    return dict(_CEL[cls])


def _derive_cel(cls: type[Record]) -> dict[str, str]:
    hints = _hints(cls)
    out: dict[str, str] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        tp = hints[f.name]
        if not f.metadata.get("cel", True):
            continue
        if _is_optional(tp):
            tp = _strip_optional(tp)
        cel = cel_type_of(tp)
        if cel is None:
            raise TypeError(f"{cls.__name__}.{f.name}: no CEL type for {tp!r}; mark it cel=False")
        out[f.name] = cel
    return out


def _to_json(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, Interval):
        return [value.lower, value.upper]
    if isinstance(value, Mapping):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


def _to_cel(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_cel()
    if isinstance(value, Mapping):
        return {str(k): _to_cel(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_cel(v) for v in value]
    return value


def _from_json(tp: Any, value: Any, where: str) -> Any:
    if _is_optional(tp):
        return None if value is None else _from_json(_strip_optional(tp), value, where)
    if tp is Any:
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise GovernError(MEASUREMENT_INVALID, f"{where}: not a finite number")
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif get_origin(tp) is Literal:
        if value in get_args(tp):
            return value
        raise GovernError(MEASUREMENT_INVALID, f"{where}: {value!r} is not one of {list(get_args(tp))}")
    elif tp is Interval:
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return Interval(_from_json(float, value[0], f"{where}[0]"), _from_json(float, value[1], f"{where}[1]"))
    elif isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_json(value, path=where)
    elif get_origin(tp) is list:
        if isinstance(value, (list, tuple)):
            (inner,) = get_args(tp)
            return [_from_json(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
    elif get_origin(tp) is dict:
        if isinstance(value, Mapping):
            _, inner = get_args(tp)
            return {str(k): _from_json(inner, v, f"{where}.{k}") for k, v in value.items()}
    else:  # pragma: no cover - a type the contract does not use
        raise TypeError(f"{where}: unsupported field type {tp!r}")
    raise GovernError(MEASUREMENT_INVALID, f"{where}: expected {getattr(tp, '__name__', tp)}, got {value!r}")
