"""Workspace: settings + store + the library calls users make.

A thin façade: each method opens the transaction and calls one room function, which checks its
rules and writes its own ledger entry; the Workspace adds no rule and no ledger entry of its own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from govern.core import GovernError, Ref, parse_ref
from govern.ledger import init_keys
from govern.store import Store

from ._codes import WORKSPACE_NOT_INITIALIZED

if TYPE_CHECKING:
    from datetime import datetime

    from govern.core import Settings
    from govern.decisions import Context, Decision
    from govern.evidence import Evidence
    from govern.identity import Principal, TokenInfo
    from govern.lineage import ImpactedModel, IngestResult, ModelSpec, Subgraph
    from govern.policy import PackSet
    from govern.registry import ImportCounts, SyncResult
    from govern.webhooks import Subscription

_SETTINGS_TEMPLATE = """\
# govern workspace settings. Environment variables GOVERN_<NAME> override these.
[govern]
# database_url = "postgresql://user@host:5432/govern"   # default: this folder's SQLite file
# origin = "govern.local/ledger"                         # ledger origin named in checkpoints
# require_signed_packs = false
# mlflow_uri = "http://127.0.0.1:5000"                   # write gate results back as MLflow aliases
# [govern.promotion_targets]                             # default: staging and production
# champion = "production"
"""


class Workspace:
    """A govern workspace: a database, a signing key, settings, content-addressed blobs.

    Open with :meth:`open` (existing) or :meth:`init` (create or upgrade, idempotent).
    """

    def __init__(self, settings: Settings, store: Store, *, actor: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.actor = actor or os.environ.get("GOVERN_ACTOR") or _os_user()
        self._packs: PackSet | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    def init(cls, path: Path | str | None = None, **overrides: Any) -> Workspace:
        """Create ``path`` (default ``./.govern``) or upgrade it in place. Safe to run twice."""
        from govern.core import load_settings

        settings = load_settings(path, **overrides)
        ws_dir = settings.workspace
        ws_dir.mkdir(parents=True, exist_ok=True)
        settings.blob_dir.mkdir(exist_ok=True)
        toml = ws_dir / "govern.toml"
        if not toml.exists():
            toml.write_text(_SETTINGS_TEMPLATE, encoding="utf-8")
        store = Store.from_settings(settings)
        store.migrate()
        init_keys(store, settings)
        return cls(settings, store)

    @classmethod
    def open(cls, path: Path | str | None = None, **overrides: Any) -> Workspace:
        """Open an initialized workspace; raises ``workspace_not_initialized`` otherwise."""
        from govern.core import load_settings

        settings = load_settings(path, **overrides)
        if settings.database_url is None and not (settings.workspace / "govern.db").exists():
            raise GovernError(
                WORKSPACE_NOT_INITIALIZED,
                f"no workspace at {settings.workspace}; run `govern init`",
            )
        store = Store.from_settings(settings)
        store.check_schema()
        return cls(settings, store)

    # -- lineage --------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path]) -> list[IngestResult]:
        """Ingest lineage files, one transaction each; all are validated before any is stored."""
        from govern.lineage import ingest_file, validate_file

        for path in paths:
            validate_file(path)
        results = []
        for path in paths:
            with self.store.write() as session:
                results.append(ingest_file(session, path, actor=self.actor))
        return results

    def ingest_openlineage(self, events: Sequence[Any], *, source: str = "openlineage") -> IngestResult:
        """Ingest decoded OpenLineage events (RunEvent, DatasetEvent, JobEvent) in one transaction,
        as ``govern lineage ingest`` ingests a file; ``source`` names them in errors and the ledger."""
        from govern.lineage import ingest_events

        with self.store.write() as session:
            return ingest_events(session, list(events), source=source, actor=self.actor)

    def import_mlflow(self, uri: str | None = None) -> ImportCounts:
        """Import what is new in an MLflow tracking store (default: the ``mlflow_uri`` setting):
        runs, datasets, registered versions with their tags, aliases and logged model cards."""
        from govern.registry import import_mlflow

        return import_mlflow(self.context, uri or self.settings.mlflow_uri, actor=self.actor)

    def lineage(
        self, ref: str, direction: Literal["upstream", "downstream"] = "upstream", *, depth: int | None = None
    ) -> Subgraph:
        """The lineage subgraph upstream or downstream of ``ref``."""
        from govern.lineage import subgraph

        with self.store.read() as session:
            return subgraph(session, _ref(ref), direction, depth=depth)

    def impact(self, ref: str) -> list[ImpactedModel]:
        """Model versions downstream of a dataset, feature or run, with their stages."""
        from govern.lineage import impact

        with self.store.read() as session:
            return impact(session, _ref(ref, default="dataset"))

    def model(self, ref: str) -> dict[str, Any]:
        """One registered model version: name, version, owner, stage, tier, tags, card."""
        from govern.lineage import model_facts

        with self.store.read() as session:
            return dict(model_facts(session, _ref(ref))["model"])

    def models(
        self, *, owner: str | None = None, stage: str | None = None, name: str | None = None
    ) -> list[dict[str, Any]]:
        """Registered model versions, newest first, optionally of one owner, stage or name."""
        from govern.lineage import list_models

        with self.store.read() as session:
            return list_models(session, owner=owner, stage=stage, name=name)

    # -- policies and decisions ---------------------------------------------------------------

    @property
    def packs(self) -> PackSet:
        """The compiled policy packs (``policy_paths`` or the shipped ones), loaded once."""
        if self._packs is None:
            from govern.checks import param_problems
            from govern.core import resource_path
            from govern.policy import load_packs

            paths = [Path(p) for p in self.settings.policy_paths] or _shipped_packs(resource_path("policies"))
            trusted = sorted((self.settings.workspace / "keys" / "trusted-packs").glob("*.pub"))
            self._packs = load_packs(
                paths,
                require_signed=self.settings.require_signed_packs,
                trusted_keys=trusted,
                check_params=param_problems,
            )
        return self._packs

    @property
    def context(self) -> Context:
        from govern.decisions import Context

        return Context(self.store, self.settings.blob_dir, self.packs, self.settings.promotion_targets)

    def register_model(self, spec: ModelSpec) -> dict[str, Any]:
        """Register a model version; its tier is computed and recorded."""
        from govern.decisions import register_model

        return register_model(self.context, spec, self.actor)

    def add_evidence(self, ref: str, role: str, path: Path, *, mapping: dict[str, Any] | None = None) -> Evidence:
        """Store ``path`` content-addressed as ``role`` evidence of model version ``ref``."""
        from govern.decisions import add_evidence
        from govern.evidence import ColumnMapping

        with self.store.write() as session:
            return add_evidence(
                session,
                self.settings.blob_dir,
                str(_ref(ref)),
                role,
                path,
                mapping=ColumnMapping.from_dict(mapping),
                created_by=self.actor,
            )

    def gate_promote(self, ref: str, target: str, *, progress: Any = None) -> Decision:
        """The promotion gate for ``ref`` to ``target`` (a stage or a declared target); with
        ``mlflow_uri`` set, the result is written back to MLflow (see :attr:`last_sync`)."""
        from govern.decisions import promote
        from govern.registry import sync_promotion

        decision = promote(self.context, ref, target, self.actor, progress=progress)
        synced = (
            sync_promotion(self.store, self.settings.mlflow_uri, decision, self.actor)
            if self.settings.mlflow_uri
            else None
        )
        return decision if synced is None else replace(decision, registry=synced.to_dict())

    def rollback(
        self, ref: str, stage: str, principal: Principal, *, justification: str
    ) -> tuple[int, SyncResult | None]:
        """Move ``ref`` down to ``stage`` (justified, ledgered): the stage change's ledger seq, and
        the MLflow write-back removing the aliases of the targets it no longer holds (if any)."""
        from govern.decisions import holders, rollback
        from govern.registry import sync_rollback

        with self.store.read() as session:
            before = {h.target for h in holders(session, ref=str(_ref(ref)))}
        seq = rollback(self.context, ref, stage, principal, justification=justification)
        if not (self.settings.mlflow_uri and before):
            return seq, None
        with self.store.read() as session:
            released = sorted(before - {h.target for h in holders(session, ref=str(_ref(ref)))})
        return seq, sync_rollback(self.store, self.settings.mlflow_uri, str(_ref(ref)), released, stage, self.actor)

    def gate_retrain(self, ref: str, current: Path, *, progress: Any = None) -> Decision:
        from govern.decisions import retrain

        return retrain(self.context, ref, current, self.actor, progress=progress)

    def principal(self, name: str | None = None) -> Principal:
        """The identity acting locally: ``name`` (or this workspace's actor) as registered by
        ``govern token create``."""
        from govern.identity import principal_by_name

        with self.store.read() as session:
            return principal_by_name(session, name or self.actor)

    def create_token(self, name: str, role: str, *, expires_at: datetime | None = None) -> tuple[str, TokenInfo]:
        from govern.identity import create_token

        with self.store.write() as session:
            return create_token(session, name=name, role=role, actor=self.actor, expires_at=expires_at)

    def revoke_token(self, token_id: str) -> TokenInfo:
        from govern.identity import revoke_token

        with self.store.write() as session:
            return revoke_token(session, token_id, actor=self.actor)

    def list_tokens(self) -> list[TokenInfo]:
        from govern.identity import list_tokens

        with self.store.read() as session:
            return list_tokens(session)

    def subscribe_webhook(
        self, url: str, *, kinds: list[str] | None = None, secret: str | None = None
    ) -> tuple[Subscription, str]:
        """Subscribe ``url`` to webhook events; returns the subscription and its signing secret."""
        from govern.webhooks import subscribe

        with self.store.write() as session:
            return subscribe(session, url, kinds=kinds, created_by=self.actor, secret=secret)

    def revoke_webhook(self, webhook_id: str) -> Subscription:
        from govern.webhooks import revoke

        with self.store.write() as session:
            return revoke(session, webhook_id, actor=self.actor)

    def webhooks(self) -> list[Subscription]:
        from govern.webhooks import list_subscriptions

        with self.store.read() as session:
            return list_subscriptions(session)

    # -- reports ---------------------------------------------------------------------------

    def report_model(self, ref: str, out: Path) -> Any:
        """Write the model report of ``ref`` to ``out`` (.pdf with its evidence attached, or .html);
        returns the gathered ``ModelReportData``. May sign a checkpoint (see ``gather_model``)."""
        from govern.reports import gather_model, render_model_report

        data = gather_model(self.store, ref, settings=self.settings, rules=self.packs.rules)
        render_model_report(data, Path(out))
        return data

    def report_annex_iv(self, ref: str, out: Path) -> Any:
        """Write the EU AI Act Annex IV technical documentation of ``ref`` to ``out`` (.pdf or
        .html); returns its nine sections, each with a status and what is missing."""
        from govern.reports import gather_annex_iv, render_annex_iv

        data, extra = gather_annex_iv(self.store, ref, settings=self.settings, packs=self.packs)
        return render_annex_iv(data, extra, Path(out))

    def report_period(self, start: Any, end: Any, out: Path) -> Any:
        """Write the period report of [``start``, ``end``) (datetimes) to ``out``; returns its data."""
        from govern.reports import gather_period, render_period_report

        data = gather_period(self.store, start, end, settings=self.settings, packs=self.packs)
        render_period_report(data, Path(out))
        return data

    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ref(text: str, *, default: Literal["model", "dataset"] = "model") -> Ref:
    """Parse a CLI/API reference; a bare name may stand for a dataset where that is unambiguous."""
    return parse_ref(text, default_kind=default)


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _shipped_packs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
