"""Fixtures for retention tests, as in tests/integration/incidents: the API tests' workspace
(loaded from that folder's conftest by path) and a pinned test clock."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _api_fixtures() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "api" / "conftest.py"
    spec = importlib.util.spec_from_file_location("govern_api_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


API = _api_fixtures()


def clock(at: datetime) -> dict[str, str]:
    """The environment that pins govern's clock at ``at`` (honoured only with the testing flag)."""
    return {"GOVERN_UNSAFE_TESTING": "1", "GOVERN_UNSAFE_NOW": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


@pytest.fixture
def inc(tmp_path: Path, db_url: str | None) -> Any:
    """The API workspace, ``T0`` (an hour from now, so the pinned clock only moves forward), and helpers."""
    from types import SimpleNamespace

    ws = API.build_workspace(tmp_path, db_url)
    t0 = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    return SimpleNamespace(ws=ws, t0=t0, clock=clock, Server=API.Server, problem=API.assert_problem, root=tmp_path)
