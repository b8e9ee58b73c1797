"""Import runs and registered model versions from an MLflow tracking store (optional extra).

Through MLflow's own client, in three steps so that no database transaction waits on the network:
read everything new from MLflow; record runs (params, metrics, tags, dataset inputs) and datasets
in one transaction with its ``lineage.ingested`` entry; register each new model version through
the decisions room (tiered, ``model.registered`` ledgered), with the registered model's and the
version's tags, its aliases, the logged model's params/metrics and a model card the run logged
as an artifact (``model_card.md``/``.json``/``.yaml``). Run ids become ``run:<mlflow run id>``;
MLflow datasets become ``dataset:mlflow/<name>`` versions keyed by their digest; MLflow 3 prompt-registry
versions become ``component:prompt/mlflow/<name>@<version>`` (addressed by the template's digest), linked
to the model versions whose run or logged model links them (``mlflow.linkedPrompts``). Incremental:
what is already in the workspace is skipped, so a second import adds only what is new. MLflow's
aliases are recorded as facts, never as govern stages: only the promotion gate moves a model.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import GovernError, Location, Ref

from ._client import mlflow_client, redacted
from ._codes import MLFLOW_IMPORT_FAILED, MLFLOW_URI_MISSING

if TYPE_CHECKING:
    from govern.decisions import Context
    from govern.lineage import ComponentSpec, DataCard, DatasetSpec, ModelSpec, RunSpec

CARD_ARTIFACTS = ("model_card.md", "model_card.json", "model_card.yaml", "model_card.yml")
PROMPT_TAG = "mlflow.prompt.is_prompt"  # MLflow 3 keeps prompts as registered models with this tag
LINKED_PROMPTS_TAG = "mlflow.linkedPrompts"  # on runs and logged models: [{"name", "version"}]
ORIGIN_TAG = "govern.origin"  # "mlflow" on versions imported from MLflow: the ones written back to
_PAGE = 1000


@dataclass
class ImportCounts:
    """What one import added (already imported objects are not counted)."""

    runs: int = 0
    datasets: int = 0
    models: int = 0
    cards: int = 0
    prompts: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "runs": self.runs,
            "datasets": self.datasets,
            "models": self.models,
            "cards": self.cards,
            "prompts": self.prompts,
        }


@dataclass
class _Read:
    datasets: dict[tuple[str, str], DatasetSpec] = field(default_factory=dict)
    runs: list[RunSpec] = field(default_factory=list)
    models: list[ModelSpec] = field(default_factory=list)
    prompts: list[ComponentSpec] = field(default_factory=list)


def _ms(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value else None


def _pages(search: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
    token = None
    while True:
        page = search(**kwargs, page_token=token)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def import_mlflow(ctx: Context, uri: str | None, *, actor: str) -> ImportCounts:
    """Import everything new under tracking ``uri``; raises ``mlflow_uri_missing``, ``mlflow_missing``,
    ``mlflow_import_failed`` (naming the store) or a located card error of a logged card."""
    from govern.decisions import register_model

    if not uri:
        raise GovernError(MLFLOW_URI_MISSING, "name an MLflow tracking URI or set mlflow_uri (GOVERN_MLFLOW_URI)")

    with ctx.store.read() as session:
        read = _read_store(session, uri)
    counts = ImportCounts()
    if read.runs or read.datasets or read.prompts:
        counts.runs, counts.datasets, counts.prompts = _record_lineage(ctx, uri, read, actor)
    for spec in read.models:
        register_model(ctx, spec, actor)
        counts.models += 1
        counts.cards += spec.card is not None
    return counts


def _read_store(session: Any, uri: str) -> _Read:
    from govern.lineage import find_node

    read = _Read()
    try:
        with mlflow_client(uri) as client:
            for exp in _pages(client.search_experiments, max_results=_PAGE):
                for run in _pages(client.search_runs, experiment_ids=[exp.experiment_id], max_results=_PAGE):
                    if find_node(session, "run", run.info.run_id, None) is None:
                        read.runs.append(_run_spec(run, exp.name, read))
            read.prompts = _prompts(client, session)
            for rm in _pages(client.search_registered_models, max_results=_PAGE):
                if str((rm.tags or {}).get(PROMPT_TAG, "")).lower() == "true":
                    continue  # a prompt, read by _prompts
                for mv in _pages(client.search_model_versions, filter_string=f"name = '{_quoted(rm.name)}'"):
                    if find_node(session, "model", mv.name, str(mv.version)) is None:
                        read.models.append(_model_spec(client, session, read, rm, mv))
    except GovernError:
        raise
    except Exception as exc:  # noqa: BLE001 - MLflow raises many types; name the store
        raise GovernError(MLFLOW_IMPORT_FAILED, f"{redacted(uri)}: {type(exc).__name__}: {exc}") from None
    return read


def prompt_component(name: str, version: str) -> Ref:
    """The lineage component of MLflow prompt ``name`` version ``version``."""
    return Ref("component", f"prompt/mlflow/{name}", version)


def _prompts(client: Any, session: Any) -> list[ComponentSpec]:
    """Every prompt version of the MLflow 3 prompt registry not yet in lineage, as a component
    addressed by the digest of its template (text, or chat messages as canonical JSON)."""
    from govern.core import content_digest, json_digest
    from govern.lineage import ComponentSpec, find_node

    out = []
    for prompt in _pages(client.search_prompts, max_results=_PAGE):
        for pv in _pages(client.search_prompt_versions, name=prompt.name, max_results=_PAGE):
            ref = prompt_component(prompt.name, str(pv.version))
            if find_node(session, "component", ref.name, ref.version) is not None:
                continue
            template = pv.template
            digest = content_digest(template.encode()) if isinstance(template, str) else json_digest(template)
            details = {"uri": f"prompts:/{prompt.name}/{pv.version}"}
            if getattr(pv, "commit_message", None):
                details["commit_message"] = str(pv.commit_message)
            aliases = getattr(pv, "aliases", None)
            if aliases:
                details["aliases"] = ",".join(sorted(aliases))
            out.append(
                ComponentSpec(
                    role="prompt",
                    name=ref.name.removeprefix("prompt/"),
                    version=str(ref.version),
                    provider="mlflow",
                    digest=digest,
                    details=details,
                )
            )
    return out


def _linked_prompts(*tag_sets: dict[str, Any] | None) -> list[Ref]:
    """The prompt versions a run or logged model links (MLflow's ``mlflow.linkedPrompts`` tag)."""
    import json

    refs: dict[str, Ref] = {}
    for tags in tag_sets:
        raw = (tags or {}).get(LINKED_PROMPTS_TAG)
        try:
            items = json.loads(raw) if raw else []
        except ValueError:
            continue
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("name") and item.get("version") is not None:
                ref = prompt_component(str(item["name"]), str(item["version"]))
                refs[str(ref)] = ref
    return [refs[k] for k in sorted(refs)]


def _quoted(name: str) -> str:
    return name.replace("'", "\\'")


def _run_spec(run: Any, experiment: str, read: _Read) -> RunSpec:
    from govern.lineage import DatasetSpec, RunSpec

    info, data = run.info, run.data
    tags = dict(data.tags or {})
    inputs: list[Ref] = []
    for dsi in getattr(run.inputs, "dataset_inputs", None) or []:
        ds = dsi.dataset
        name, version = f"mlflow/{ds.name}", (ds.digest or "1")[:32]
        input_tags = {t.key: t.value for t in dsi.tags or []}
        spec = DatasetSpec(
            name=name,
            version=version,
            uri=_source_uri(ds.source),
            owner=input_tags.get("govern.owner"),
            card=_data_card(input_tags, ds.source),
        )
        read.datasets.setdefault((name, version), spec)
        inputs.append(Ref("dataset", name, version))
    return RunSpec(
        id=info.run_id,
        job=f"mlflow/{experiment}/{tags.get('mlflow.runName', info.run_name or '')}".rstrip("/"),
        inputs=inputs,
        params=dict(data.params or {}),
        metrics=dict(data.metrics or {}),
        code_commit=tags.get("mlflow.source.git.commit"),
        author=tags.get("mlflow.user"),
        status=info.status,
        started_at=_ms(info.start_time),
        ended_at=_ms(info.end_time),
    )


def _source_uri(source: str | None) -> str | None:
    """MLflow stores a dataset's source as JSON (``{"uri": ...}``, ``{"url": ...}``, a table name)."""
    import json

    if not source:
        return None
    try:
        data = json.loads(source)
    except ValueError:
        return source
    if isinstance(data, dict):
        found = data.get("uri") or data.get("url") or data.get("path") or data.get("table_name")
        return str(found) if found else source
    return source


def _data_card(tags: dict[str, str], source: str | None) -> DataCard | None:
    """The dataset's card from the run's input tags ``govern.license``, ``govern.contains_pii``,
    ``govern.consent``, ``govern.deprecated`` (MLflow has no licence field); None without any."""
    from govern.lineage import DataCard

    if not any(key.startswith("govern.") for key in tags):
        return None  # keep what a manifest or OpenLineage facet recorded for this version
    return DataCard(
        source=_source_uri(source),
        license=tags.get("govern.license"),
        contains_pii=tags.get("govern.contains_pii", "").lower() == "true",
        consent=tags.get("govern.consent", ""),
        deprecated=tags.get("govern.deprecated", "").lower() == "true",
    )


def _model_spec(client: Any, session: Any, read: _Read, rm: Any, mv: Any) -> ModelSpec:
    from govern.lineage import ModelSpec, find_node

    tags: dict[str, str] = {str(k): str(v) for k, v in (rm.tags or {}).items()}
    tags.update({str(k): str(v) for k, v in (mv.tags or {}).items()})
    if mv.aliases:
        tags["mlflow.aliases"] = ",".join(sorted(mv.aliases))
    for p in mv.params or []:  # the logged model's (MLflow 3) params and evaluation metrics
        tags[f"mlflow.param.{p.key}"] = str(p.value)
    for m in mv.metrics or []:
        tags[f"mlflow.metric.{m.key}"] = str(m.value)
    if mv.source:
        tags["mlflow.source"] = str(mv.source)
    tags[ORIGIN_TAG] = "mlflow"
    known_run = mv.run_id and (
        any(r.id == mv.run_id for r in read.runs) or find_node(session, "run", mv.run_id, None) is not None
    )
    return ModelSpec(
        name=mv.name,
        version=str(mv.version),
        run=mv.run_id if known_run else None,
        framework=tags.get("framework"),
        owner=tags.get("owner") or (mv.user_id or None),
        tags=tags,
        use_case=tags.get("use_case"),
        card=_logged_card(client, mv.run_id) if mv.run_id else None,
        components=[
            ref
            for ref in _linked_prompts(_run_tags(client, mv.run_id), _logged_model_tags(client, mv))
            if any(p.ref == ref for p in read.prompts) or find_node(session, "component", ref.name, ref.version)
        ],
    )


def _run_tags(client: Any, run_id: str | None) -> dict[str, Any] | None:
    return dict(client.get_run(run_id).data.tags) if run_id else None


def _logged_model_tags(client: Any, mv: Any) -> dict[str, Any] | None:
    model_id = getattr(mv, "model_id", None)
    if not model_id:
        return None
    return dict(client.get_logged_model(model_id).tags or {})


def _logged_card(client: Any, run_id: str) -> dict[str, Any] | None:
    """The model card the run logged at its artifact root, validated, or None."""
    from govern.cards import load_card

    names = {a.path for a in client.list_artifacts(run_id) if not a.is_dir}
    found = next((n for n in CARD_ARTIFACTS if n in names), None)
    if found is None:
        return None
    with tempfile.TemporaryDirectory(prefix="govern-mlflow-") as tmp:
        path = Path(client.download_artifacts(run_id, found, tmp))
        try:
            card = load_card(path)
        except GovernError as exc:  # located in the run's artifacts, not in the temporary copy
            where = exc.location or Location(found)
            at = Location(f"runs:/{run_id}/{found}", where.line, where.col, where.path)
            raise GovernError(exc.code, f"model card logged by MLflow run {run_id}: {exc.message}", at) from None
    return card.model_dump(mode="json", exclude_none=True)


def _record_lineage(ctx: Context, uri: str, read: _Read, actor: str) -> tuple[int, int, int]:
    from govern.ledger import record
    from govern.lineage import record_component, record_dataset, record_run

    with ctx.store.write() as session:
        datasets = sum(record_dataset(session, spec)[1] for spec in read.datasets.values())
        runs = sum(record_run(session, spec)[1] for spec in read.runs)
        prompts = sum(record_component(session, spec)[1] for spec in read.prompts)
        record(
            session,
            actor=actor,
            kind="lineage.ingested",
            payload={"mlflow": redacted(uri), "runs": runs, "datasets": datasets, "prompts": prompts},
        )
    return runs, datasets, prompts
