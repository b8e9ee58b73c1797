"""Workspace: settings + store + the library calls users make."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from govern.core import GovernError, Ref, Settings, load_settings, parse_ref
from govern.ledger import init_keys
from govern.store import Store

if TYPE_CHECKING:
    from govern.lineage import ImpactedModel, IngestResult, Subgraph

_SETTINGS_TEMPLATE = """\
# govern workspace settings. Environment variables GOVERN_<NAME> override these.
[govern]
# database_url = "postgresql://user@host:5432/govern"   # default: this folder's SQLite file
# origin = "govern.local/ledger"                         # ledger origin named in checkpoints
# require_signed_packs = false
"""


class Workspace:
    """A govern workspace: a database, a signing key, settings, content-addressed blobs.

    Open with :meth:`open` (existing) or :meth:`init` (create or upgrade, idempotent).
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    def init(cls, path: Path | str | None = None, **overrides: Any) -> Workspace:
        """Create ``path`` (default ``./.govern``) or upgrade it in place. Safe to run twice."""
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
        settings = load_settings(path, **overrides)
        if settings.database_url is None and not (settings.workspace / "govern.db").exists():
            raise GovernError(
                "workspace_not_initialized",
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
                results.append(ingest_file(session, path))
        return results

    def import_mlflow(self, uri: str) -> dict[str, int]:
        """Import runs and registered model versions from an MLflow tracking store."""
        from govern.lineage import import_mlflow

        with self.store.write() as session:
            return import_mlflow(session, uri)

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

    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ref(text: str, *, default: Literal["model", "dataset"] = "model") -> Ref:
    """Parse a CLI/API reference; a bare name may stand for a dataset where that is unambiguous."""
    return parse_ref(text, default_kind=default)
