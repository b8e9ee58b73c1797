"""Fixtures for the decision suite: the demo's credit scenario as a real workspace, built once per module.

Building the scenario (two trained models, evaluation tables, SHAP values, lineage) takes a few
seconds, so the files and the registered workspace are shared by every test of a module; tests that
change state should build their own workspace from ``scenario_files``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from govern.demo import Files, build, populate
from govern.workspace import Workspace

OWNER = "bob"
REQUESTER = "ci-bot"


@dataclass(frozen=True)
class GateWorkspace:
    """A workspace on disk with ``credit-risk-gbm@1`` and ``credit-risk-lr@1`` registered with evidence."""

    path: Path
    files: Files

    @property
    def env(self) -> dict[str, str]:
        """The environment for the real ``govern`` CLI: this workspace, the CI requester."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
        env["GOVERN_WORKSPACE"] = str(self.path)
        env["GOVERN_ACTOR"] = REQUESTER
        return env


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    """The demo scenario's input files (small size), built once per test module."""
    return build(tmp_path_factory.mktemp("scenario") / "files", small=True)


@pytest.fixture(scope="module")
def gate_workspace(tmp_path_factory: pytest.TempPathFactory, scenario_files: Files) -> Iterator[GateWorkspace]:
    """A SQLite workspace with both scenario models registered, shared by a module's tests."""
    path = tmp_path_factory.mktemp("gate-ws") / ".govern"
    ws = Workspace.init(path)
    ws.actor = REQUESTER
    try:
        populate(ws, scenario_files)
    finally:
        ws.close()
    yield GateWorkspace(path, scenario_files)


def _govern() -> list[str]:
    exe = shutil.which("govern", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "govern"]


@pytest.fixture(scope="module")
def gate_report(
    gate_workspace: GateWorkspace,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, str], tuple[subprocess.CompletedProcess[str], str]]:
    """``gate_report(model, fmt)`` runs the real ``govern gate promote MODEL --to production --format
    FMT --output FILE`` once per (model, fmt) in this module and returns the process and the file's text."""
    out_dir = tmp_path_factory.mktemp("reports")
    cache: dict[tuple[str, str], tuple[subprocess.CompletedProcess[str], str]] = {}

    def run(model: str, fmt: str) -> tuple[subprocess.CompletedProcess[str], str]:
        if (model, fmt) not in cache:
            out = out_dir / f"{model.replace('@', '-')}.{fmt}"
            proc = subprocess.run(
                [
                    *_govern(),
                    "gate",
                    "promote",
                    model,
                    "--to",
                    "production",
                    "--format",
                    fmt,
                    "--output",
                    str(out),
                    "--no-progress",
                ],
                env=gate_workspace.env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            cache[model, fmt] = (proc, out.read_text(encoding="utf-8") if out.exists() else "")
        return cache[model, fmt]

    return run
