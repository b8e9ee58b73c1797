"""Validation of OpenLineage events against the official JSON schemas shipped in ``openlineage_schema``.

The core schema (spec 2-0-2) decides the event shape (RunEvent, DatasetEvent or JobEvent); each
facet whose name a core facet schema declares is then validated against that facet's schema where
the event carries it (run, job, dataset, input and output facets separately). Unknown (custom)
facets need only be objects with ``_producer`` and ``_schemaURL``, as the core schema says.
Nothing is fetched: every ``$ref`` resolves inside the shipped files.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from govern.core import GovernError, Location

from ._codes import OPENLINEAGE_INVALID

EventKind = Literal["run", "dataset", "job"]
_CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
# The base facet a facet schema extends -> where it may appear in an event.
_FACET_BASES = ("RunFacet", "JobFacet", "DatasetFacet", "InputDatasetFacet", "OutputDatasetFacet")


@cache
def _validators() -> tuple[Any, dict[tuple[str, str], Any]]:
    """The core validator and ``(base, facet name) -> validator`` for every shipped facet schema."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    root = resources.files("govern.lineage") / "openlineage_schema"
    core = json.loads((root / "OpenLineage.json").read_text(encoding="utf-8"))
    facets = [
        json.loads(f.read_text(encoding="utf-8"))
        for f in sorted((root / "facets").iterdir(), key=lambda p: p.name)
        if f.name.endswith(".json")
    ]
    registry: Registry = Registry().with_resources((doc["$id"], Resource.from_contents(doc)) for doc in [core, *facets])
    by_place: dict[tuple[str, str], Any] = {}
    for doc in facets:
        text = json.dumps(doc)
        bases = [b for b in _FACET_BASES if f'"{_CORE_ID}#/$defs/{b}"' in text]
        validator = Draft202012Validator(doc, registry=registry)
        for name in doc.get("properties", {}):
            for base in bases:
                by_place[(base, name)] = validator
    return Draft202012Validator(core, registry=registry), by_place


def _path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _first_error(validator: Any, instance: Any) -> Any:
    from jsonschema.exceptions import best_match

    return best_match(validator.iter_errors(instance))


def _where(err: Any) -> list[Any]:
    """The JSON path of ``err``; a missing required property is located at that property."""
    parts = list(err.absolute_path)
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [p for p in err.validator_value if p not in err.instance]
        if missing:
            parts.append(missing[0])
    return parts


def event_kind(raw: dict[str, Any]) -> EventKind:
    """RunEvent has ``run``; DatasetEvent has ``dataset`` (and no ``job``); JobEvent has ``job``."""
    if "run" in raw:
        return "run"
    if "dataset" in raw and "job" not in raw:
        return "dataset"
    return "job"


def _schema_error(message: str, where: Location, path: str) -> GovernError:
    prefix = f"{where.path}: " if where.path else ""
    return GovernError(
        OPENLINEAGE_INVALID, message, Location(where.file, where.line, where.col, path=f"{prefix}{path}")
    )


def validate_event(raw: dict[str, Any], where: Location) -> EventKind:
    """Check ``raw`` against the OpenLineage schemas; return its kind or raise a located
    ``GovernError(openlineage_invalid)`` naming the JSON path of the most relevant problem."""
    core, facet_validators = _validators()
    kind = event_kind(raw)
    # Validate against the one event type the event claims, so the message is about that type
    # (the top-level oneOf would only say "not valid under any of the given schemas").
    definition = {"run": "RunEvent", "dataset": "DatasetEvent", "job": "JobEvent"}[kind]
    sub = core.evolve(schema={"$ref": f"{_CORE_ID}#/$defs/{definition}"})
    err = _first_error(sub, raw)
    if err is not None:
        raise _schema_error(f"not a valid OpenLineage {definition}: {err.message}", where, _path(_where(err)))
    for path, base, facets in _facet_places(raw, kind):
        for name, value in facets.items():
            validator = facet_validators.get((base, name))
            if validator is None:
                continue
            err = _first_error(validator, {name: value})
            if err is not None:
                raise _schema_error(
                    f"facet {name!r} does not match its OpenLineage schema: {err.message}",
                    where,
                    _path([*path, *_where(err)]),
                )
    return kind


def _facet_places(raw: dict[str, Any], kind: EventKind) -> list[tuple[list[Any], str, dict[str, Any]]]:
    places: list[tuple[list[Any], str, dict[str, Any]]] = []

    def add(path: list[Any], base: str, facets: Any) -> None:
        if isinstance(facets, dict):
            places.append((path, base, facets))

    def datasets(key: str, extra: str | None, extra_base: str) -> None:
        for i, ds in enumerate(raw.get(key) or []):
            if isinstance(ds, dict):
                add([key, i, "facets"], "DatasetFacet", ds.get("facets"))
                if extra:
                    add([key, i, extra], extra_base, ds.get(extra))

    if kind == "run":
        add(["run", "facets"], "RunFacet", (raw.get("run") or {}).get("facets"))
    if kind in ("run", "job"):
        add(["job", "facets"], "JobFacet", (raw.get("job") or {}).get("facets"))
        datasets("inputs", "inputFacets", "InputDatasetFacet")
        datasets("outputs", "outputFacets", "OutputDatasetFacet")
    if kind == "dataset" and isinstance(raw.get("dataset"), dict):
        add(["dataset", "facets"], "DatasetFacet", raw["dataset"].get("facets"))
    return places
