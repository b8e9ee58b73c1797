"""Fixtures for the ledger suite: an initialized library workspace on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govern.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, db_url: str | None) -> Iterator[Workspace]:
    """A ``govern.Workspace`` on SQLite (the default file) or PostgreSQL."""
    workspace = Workspace.init(tmp_path / ".govern", database_url=db_url)
    try:
        yield workspace
    finally:
        workspace.close()
