"""Settings: defaults < ``<workspace>/govern.toml`` < ``./govern.toml`` < ``GOVERN_*`` variables.

Every field is documented in ``docs/configuration.md`` (a test checks it).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._codes import SETTINGS_ERROR
from ._errors import GovernError, Location
from ._vocab import PromotionTarget

SETTINGS_FILE = "govern.toml"
_DEFAULT_TARGETS: dict[str, PromotionTarget] = {"staging": "staging", "production": "production"}
_TARGET_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


LOG_RETENTION_MIN_DAYS = 183  # six months, EU AI Act Art. 19(1) and 26(6)
DOCUMENTATION_RETENTION_MIN_DAYS = 3653  # ten years, EU AI Act Art. 18(1)


class Settings(BaseModel):
    """Runtime configuration. Construct with :func:`load_settings`.

    A plain pydantic model: :func:`load_settings` reads the ``GOVERN_*`` variables itself, as
    pydantic-settings did (its import took ~0.13 s of every command that reads a setting).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    workspace: Path = Field(Path(".govern"), description="Workspace folder (database, key, blobs)")
    database_url: str | None = Field(None, description="SQLAlchemy URL; unset means the workspace's SQLite file")
    origin: str = Field("govern.local/ledger", description="Ledger origin named in checkpoints")
    policy_paths: list[str] = Field(
        default_factory=list, description="Policy pack folders; empty means the shipped packs"
    )
    require_signed_packs: bool = Field(False, description="Refuse unsigned or altered packs")
    url: str | None = Field(None, description="API base URL for client commands (approvals)")
    token: str | None = Field(None, description="Bearer token for client commands and local approve/reject/waive")
    single_user: bool = Field(
        False, description="Local approve/reject/waive by --as NAME without a token; recorded in the ledger"
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, description="Largest accepted request body")
    approval_rate_limit: int = Field(60, description="Approval actions per token per minute")
    # Regulatory minimums are the defaults and the floors (fail closed: a shorter setting is refused).
    log_retention_days: int = Field(
        LOG_RETENTION_MIN_DAYS,
        ge=LOG_RETENTION_MIN_DAYS,
        description="Days the ledger (automatic logs) is kept; at least 6 months (EU AI Act Art. 19, 26(6))",
    )
    documentation_retention_days: int = Field(
        DOCUMENTATION_RETENTION_MIN_DAYS,
        ge=DOCUMENTATION_RETENTION_MIN_DAYS,
        description="Days evidence and report documents the ledger references are kept; at least 10 years (Art. 18)",
    )
    promotion_targets: dict[str, PromotionTarget] = Field(
        default_factory=lambda: dict(_DEFAULT_TARGETS),
        description="Promotion targets by name (e.g. an MLflow alias such as champion) and the stage whose rules, "
        "approvals and place in the lineage each one has; one version of a model holds a target at a time",
    )
    mlflow_uri: str | None = Field(
        None,
        description="MLflow tracking/registry URI to write gate results back to: an allowed promotion sets the "
        "target's alias on the model version and tags it with the decision; unset means no write-back",
    )

    @field_validator("promotion_targets")
    @classmethod
    def _target_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [name for name in value if not _TARGET_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"target names are 1-32 of a-z, 0-9, - and _ starting with a letter: {', '.join(bad)}")
        if not value:
            raise ValueError("at least one promotion target is needed")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.workspace / 'govern.db').resolve()}"

    @property
    def key_path(self) -> Path:
        return self.workspace / "keys" / "signing.key"

    @property
    def blob_dir(self) -> Path:
        return self.workspace / "blobs"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise GovernError(SETTINGS_ERROR, str(exc), Location(str(path))) from None
    section = data.get("govern", data)
    if not isinstance(section, dict):
        raise GovernError(SETTINGS_ERROR, "[govern] must be a table", Location(str(path)))
    return section


def _environment() -> dict[str, Any]:
    """The ``GOVERN_<FIELD>`` variables that name a field (case-insensitive); a list or table
    field's value is JSON (``["a", "b"]``, ``{"champion": "production"}``)."""
    env = {name.lower(): value for name, value in os.environ.items()}
    values: dict[str, Any] = {}
    for name, info in Settings.model_fields.items():
        raw = env.get(f"govern_{name}")
        if raw is None:
            continue
        kind = get_origin(info.annotation)
        if kind in (list, dict):
            try:
                values[name] = json.loads(raw)
            except ValueError:
                what = "list" if kind is list else "object"
                raise GovernError(SETTINGS_ERROR, f"GOVERN_{name.upper()}: not a JSON {what}") from None
        else:
            values[name] = raw
    return values


def load_settings(workspace: Path | str | None = None, **overrides: Any) -> Settings:
    """Load settings for ``workspace`` (default: ``GOVERN_WORKSPACE`` or ``./.govern``).

    Raises ``GovernError(settings_error)`` for an unreadable file or an invalid value.
    """
    ws = Path(workspace or os.environ.get("GOVERN_WORKSPACE") or ".govern")
    values: dict[str, Any] = {}
    for candidate in (ws / SETTINGS_FILE, Path(SETTINGS_FILE)):
        if candidate.is_file():
            values.update(_read_toml(candidate))
    values.update(overrides)
    values["workspace"] = ws
    values.update(_environment())  # the environment beats files and explicit values
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise GovernError(SETTINGS_ERROR, f"{where}: {first['msg']}") from None
    if workspace is not None and settings.workspace != ws:
        settings = settings.model_copy(update={"workspace": ws})
    return settings
