"""Model facts as typed CEL values.

Facts (``model``, ``target``, ``lineage``) are declared to CEL as protobuf messages built at
import time from the field tables in ``_measurements``, so ``model.tierr`` or
``model.tier == 1`` is a compile error with a location instead of a runtime surprise.
:func:`prepare_facts` converts the gate's plain dict once per model version; every rule
evaluation then reuses the prepared messages (compile once, evaluate many).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cel_expr_python import cel
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, struct_pb2
from google.protobuf.message import Message

from govern.core import GovernError

from ._codes import FACTS_INVALID
from ._measurements import DATASET_FIELDS, MODEL_FIELDS, RUN_FIELDS

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {"string": _F.TYPE_STRING, "bool": _F.TYPE_BOOL, "int": _F.TYPE_INT64, "double": _F.TYPE_DOUBLE}
PACKAGE = "govern.facts"


def _repeated(msg: descriptor_pb2.DescriptorProto, name: str, number: int, type_name: str) -> None:
    msg.field.add(name=name, number=number, type=_F.TYPE_MESSAGE, type_name=type_name, label=_F.LABEL_REPEATED)


def _add_message(
    fdp: descriptor_pb2.FileDescriptorProto, name: str, fields: Mapping[str, str]
) -> descriptor_pb2.DescriptorProto:
    msg = fdp.message_type.add(name=name)
    for number, (fname, ftype) in enumerate(fields.items(), start=1):
        if ftype.startswith("map(string,"):
            entry = msg.nested_type.add(name="".join(p.title() for p in fname.split("_")) + "Entry")
            entry.options.map_entry = True
            entry.field.add(name="key", number=1, type=_F.TYPE_STRING, label=_F.LABEL_OPTIONAL)
            value = entry.field.add(name="value", number=2, label=_F.LABEL_OPTIONAL)
            vtype = ftype[len("map(string,") : -1]
            if vtype == "dyn":
                value.type, value.type_name = _F.TYPE_MESSAGE, ".google.protobuf.Value"
            else:
                value.type = _SCALARS[vtype]
            _repeated(msg, fname, number, f".{PACKAGE}.{name}.{entry.name}")
        elif ftype.startswith("list("):
            _repeated(msg, fname, number, f".{PACKAGE}.{ftype[5:-1]}")
        else:
            msg.field.add(name=fname, number=number, type=_SCALARS[ftype], label=_F.LABEL_OPTIONAL)
    return msg


def _build_pool() -> descriptor_pool.DescriptorPool:
    fdp = descriptor_pb2.FileDescriptorProto(name="govern/facts.proto", package=PACKAGE, syntax="proto3")
    fdp.dependency.append("google/protobuf/struct.proto")
    _add_message(fdp, "Model", MODEL_FIELDS)
    _add_message(fdp, "Dataset", DATASET_FIELDS)
    _add_message(fdp, "Run", RUN_FIELDS)
    _add_message(fdp, "Lineage", {"datasets": "list(Dataset)", "runs": "list(Run)"})
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(struct_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(fdp)
    return pool


POOL = _build_pool()
# Evaluations that share one engine arena before it is dropped: reusing an arena saves the
# engine an allocation per evaluation; replacing it keeps the memory of a long run bounded.
ARENA_EVALUATIONS: Final = 64


class Arenas:
    """Engine arenas for a run of evaluations: :meth:`get` hands out the current one and
    replaces it every :data:`ARENA_EVALUATIONS` calls. Results read their Python values at once
    and never keep the engine's, so no value outlives its arena (a call keeps the arena it was
    given alive until it returns)."""

    __slots__ = ("_arena", "_left")

    def __init__(self) -> None:
        self._arena: Any = None
        self._left = 0

    def get(self) -> Any:
        if self._left <= 0:
            self._arena, self._left = cel.Arena(), ARENA_EVALUATIONS
        self._left -= 1
        return self._arena


_THREAD = threading.local()


def _thread_arenas() -> Arenas:
    """The arenas of the calling thread, shared by all the facts it prepares: one arena per
    model version would cost the engine a new arena per gate run, and many live arenas spread
    its memory over more cache."""
    arenas: Arenas | None = getattr(_THREAD, "arenas", None)
    if arenas is None:
        arenas = _THREAD.arenas = Arenas()
    return arenas


_Model = message_factory.GetMessageClass(POOL.FindMessageTypeByName(f"{PACKAGE}.Model"))
_Lineage = message_factory.GetMessageClass(POOL.FindMessageTypeByName(f"{PACKAGE}.Lineage"))


@dataclass(frozen=True, slots=True)
class Facts:
    """Facts about one model version, prepared for evaluation. Build with :func:`prepare_facts`.

    ``plain`` keeps the normalized dict (what the policy saw, for records and the oracle);
    ``collection_size`` is the number of list and map elements, used by the cost budget.
    """

    plain: dict[str, Any]
    model: Message = field(repr=False)
    lineage: Message = field(repr=False)
    target: str
    collection_size: int
    values: dict[str, Any] = field(init=False, repr=False)  # CEL values by fact variable name
    _trimmed: dict[tuple[str, frozenset[str]], Message] = field(init=False, repr=False, compare=False)
    arenas: Arenas = field(init=False, repr=False, compare=False)  # the preparing thread's (_thread_arenas)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", {"model": self.model, "lineage": self.lineage, "target": self.target})
        object.__setattr__(self, "arenas", _thread_arenas())
        object.__setattr__(self, "_trimmed", {})

    def trimmed(self, key: tuple[str, frozenset[str]]) -> Message:
        """The fact message ``key[0]`` (``model`` or ``lineage``) with only the fields ``key[1]``,
        made once: the engine converts a message by serializing and parsing it, so an expression
        that reads a few fields is cheaper to bind with a smaller one (it reads the same values)."""
        trimmed = self._trimmed.get(key)
        if trimmed is None:
            name, fields = key
            trimmed = type(self.values[name])()
            trimmed.CopyFrom(self.values[name])
            for descriptor in trimmed.DESCRIPTOR.fields:
                if descriptor.name not in fields:
                    trimmed.ClearField(descriptor.name)
            self._trimmed[key] = trimmed
        return trimmed

    @property
    def tier(self) -> str:
        return str(self.plain["model"].get("tier", ""))

    def with_tier(self, tier: str) -> Facts:
        """The same facts with ``model.tier`` set (the gate sets it after tiering)."""
        plain = {**self.plain, "model": {**self.plain["model"], "tier": tier}}
        model = type(self.model)()
        model.CopyFrom(self.model)
        model.tier = tier
        return Facts(plain, model, self.lineage, self.target, self.collection_size)


def _scalar_text(value: Any) -> Any:
    # Versions are often integers ("credit-risk@7"); the fact field is a string.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def _normalize(facts: Mapping[str, Any]) -> dict[str, Any]:
    model = dict(facts.get("model") or {})
    if "version" in model:
        model["version"] = _scalar_text(model["version"])
    model = {k: v for k, v in model.items() if k in MODEL_FIELDS}
    lineage_in = facts.get("lineage") or {}
    datasets = []
    for item in lineage_in.get("datasets") or []:
        ds = {k: v for k, v in dict(item).items() if k in DATASET_FIELDS}
        if "version" in ds:
            ds["version"] = _scalar_text(ds["version"])
        datasets.append(ds)
    runs = [{k: v for k, v in dict(r).items() if k in RUN_FIELDS} for r in lineage_in.get("runs") or []]
    return {
        "model": model,
        "target": str(facts.get("target") or ""),
        "lineage": {"datasets": datasets, "runs": runs},
    }


SCALAR_TYPES: Final = frozenset({bool, int, float, str, bytes, type(None)})


def count_elements(value: Any) -> int:
    """Number of list and map elements in ``value``, recursively (the cost model's n)."""
    kind = type(value)
    if kind in SCALAR_TYPES:
        return 0
    if kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        items = value.values()
    elif kind is list or isinstance(value, (list, tuple)):
        items = value
    else:
        return 0
    count = len(value)
    for item in items:
        if type(item) not in SCALAR_TYPES:  # a scalar counts 0: no call for it
            count += count_elements(item)
    return count


def prepare_facts(facts: Mapping[str, Any] | Facts) -> Facts:
    """Convert the gate's facts dict (docs/policy-language.md, Facts) into typed CEL values, once.

    Keys outside the contract are ignored; absent fields take their empty value (``''``,
    ``false``, empty list/map), so rules should test what they rely on. Raises
    ``GovernError(facts_invalid)`` when a field has the wrong type.
    """
    if isinstance(facts, Facts):
        return facts
    plain = _normalize(facts)
    try:
        model = _Model()
        json_format.ParseDict(_jsonable(plain["model"]), model)
        lineage = _Lineage()
        json_format.ParseDict(_jsonable(plain["lineage"]), lineage)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise GovernError(FACTS_INVALID, f"model facts do not match the contract: {exc}") from None
    return Facts(plain, model, lineage, plain["target"], count_elements(plain))


def _jsonable(value: Any) -> Any:
    # protobuf's JSON parser rejects NaN/inf inside Struct values; card fields are documents.
    if isinstance(value, float) and not math.isfinite(value):
        raise GovernError(FACTS_INVALID, "facts contain NaN or an infinity")
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
