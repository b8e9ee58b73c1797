"""govern's own lineage manifest (YAML): datasets with data cards, features, runs, models.

```yaml
apiVersion: govern/v1
kind: Lineage
datasets:
  - {name: credit/applications, version: "1", uri: ..., card: {license: CC-BY-4.0, ...}}
features:
  - {name: income_ratio, version: "1", derived_from: [dataset:credit/applications@1]}
runs:
  - {id: train-42, inputs: [dataset:credit/applications@1], author: alice, code_commit: 3f2a...}
models:
  - {name: credit-risk, version: "7", run: train-42, owner: bob, tags: {use_case: credit}}
components:   # an LLM application's parts (before the models that use them)
  - {role: base_model, name: openai/gpt-4o, version: "2024-08-06", provider: openai}
models:
  - {name: memo-assistant, version: "1", tags: {kind: llm},
     components: ["component:base_model/openai/gpt-4o@2024-08-06"]}
```
A reference to something neither in the workspace nor earlier in the file is an error.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from govern.core import GovernError, Location, NotFoundError, parse_ref

from ._codes import FILE_UNREADABLE, MANIFEST_INVALID, UNKNOWN_REFERENCE, YAML_PARSE_ERROR
from ._graph import add_edge, check_acyclic, resolve
from ._record import (
    ComponentSpec,
    DataCard,
    DatasetSpec,
    ModelSpec,
    RunSpec,
    record_component,
    record_dataset,
    record_feature,
    record_model,
    record_run,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Card(_Strict):
    source: str | None = None
    license: str | None = None
    contains_pii: bool = False
    consent: str = ""
    deprecated: bool = False


class _DatasetEntry(_Strict):
    name: str = Field(min_length=1)
    version: str | None = None
    uri: str | None = None
    digest: str | None = None
    schema_: list[dict[str, Any]] | None = Field(None, alias="schema")
    owner: str | None = None
    card: _Card | None = None


class _FeatureEntry(_Strict):
    name: str = Field(min_length=1)
    version: str | None = None
    description: str | None = None
    derived_from: list[str] = []


class _RunEntry(_Strict):
    id: str = Field(min_length=1)
    job: str | None = None
    inputs: list[str] = []
    outputs: list[str] = []
    params: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    code_commit: str | None = None
    environment: dict[str, Any] = {}
    author: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


class _ComponentEntry(_Strict):
    role: Literal["base_model", "prompt", "guardrails", "tools"]
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    provider: str | None = None
    digest: str | None = None
    details: dict[str, Any] = {}


class _ModelEntry(_Strict):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    run: str | None = None
    framework: str | None = None
    artifact_digest: str | None = None
    owner: str | None = None
    tags: dict[str, str] = {}
    use_case: str | None = None
    replaces: str | None = None
    components: list[str] = []


class Manifest(_Strict):
    apiVersion: Literal["govern/v1"]
    kind: Literal["Lineage"]
    datasets: list[_DatasetEntry] = []
    features: list[_FeatureEntry] = []
    runs: list[_RunEntry] = []
    components: list[_ComponentEntry] = []
    models: list[_ModelEntry] = []


def _line_map(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], tuple[int, int]]:
    """JSON path -> (line, col), 1-based, for every node of a composed YAML document."""
    out = {path: (node.start_mark.line + 1, node.start_mark.column + 1)}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out.update(_line_map(value, (*path, key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_line_map(item, (*path, i)))
    return out


def read_manifest(path: Path) -> tuple[Manifest, dict[tuple[Any, ...], tuple[int, int]]]:
    """Parse and validate a manifest; errors carry file:line:col and the JSON path."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        loc = Location(str(path), mark.line + 1 if mark else None, mark.column + 1 if mark else None)
        raise GovernError(YAML_PARSE_ERROR, str(exc.problem or exc), loc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GovernError(FILE_UNREADABLE, str(exc), Location(str(path))) from None
    lines = _line_map(node) if node is not None else {}
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc_path = tuple("schema" if p == "schema_" else p for p in err["loc"])
        line, col = _nearest(lines, loc_path)
        jp = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc_path)
        raise GovernError(MANIFEST_INVALID, f"{jp}: {err['msg']}", Location(str(path), line, col)) from None
    return manifest, lines


def _nearest(lines: dict[tuple[Any, ...], tuple[int, int]], path: tuple[Any, ...]) -> tuple[int | None, int | None]:
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None, None


def ingest_manifest(session: Session, path: Path) -> None:
    """Record a manifest's entities in order (datasets, features, runs, models)."""
    manifest, lines = read_manifest(path)

    def located(section: str, index: int, exc: GovernError) -> GovernError:
        line, col = lines.get((section, index), (None, None))
        return type(exc)(exc.code, f"$.{section}[{index}]: {exc.message}", Location(str(path), line, col))

    for d in manifest.datasets:
        card = DataCard(**d.card.model_dump()) if d.card else None
        record_dataset(
            session,
            DatasetSpec(
                name=d.name, version=d.version, uri=d.uri, digest=d.digest, schema=d.schema_, owner=d.owner, card=card
            ),
        )
    sections: list[tuple[str, list[Any]]] = [
        ("features", manifest.features),
        ("runs", manifest.runs),
        ("components", manifest.components),
        ("models", manifest.models),
    ]
    for section, entries in sections:
        for i, e in enumerate(entries):
            try:
                _record_entry(session, section, e)
            except NotFoundError as exc:
                raise located(section, i, GovernError(UNKNOWN_REFERENCE, exc.message)) from None
            except GovernError as exc:
                raise located(section, i, exc) from None


def _record_entry(session: Session, section: str, e: Any) -> None:
    def refs(items: list[str], default: Literal["dataset", "feature"]) -> list[Any]:
        return [parse_ref(r, default_kind=default) for r in items]

    if section == "features":
        record_feature(session, e.name, e.version, refs(e.derived_from, "dataset"), e.description)
        return
    if section == "components":
        record_component(
            session,
            ComponentSpec(
                role=e.role, name=e.name, version=e.version, provider=e.provider, digest=e.digest, details=e.details
            ),
        )
        return
    if section == "runs":
        spec = RunSpec(
            id=e.id,
            job=e.job,
            inputs=refs(e.inputs, "dataset"),
            params=e.params,
            metrics=e.metrics,
            code_commit=e.code_commit,
            environment=e.environment,
            author=e.author,
            started_at=e.started_at,
            ended_at=e.ended_at,
            status="COMPLETE",
        )
        node, _ = record_run(session, spec)
        new_edges = [(resolve(session, r), node) for r in spec.inputs]
        for out in refs(e.outputs, "dataset"):
            target = resolve(session, out)
            add_edge(session, node, target, "produced")
            new_edges.append((node, target))
        check_acyclic(session, new_edges, f"run:{e.id}")
        return
    spec_m = ModelSpec(
        name=e.name,
        version=e.version,
        run=e.run,
        framework=e.framework,
        artifact_digest=e.artifact_digest,
        owner=e.owner,
        tags=e.tags,
        use_case=e.use_case,
        replaces=parse_ref(e.replaces) if e.replaces else None,
        components=[parse_ref(c, default_kind="component") for c in e.components],
    )
    record_model(session, spec_m)
