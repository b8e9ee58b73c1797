"""``from govern import Workspace`` works and stays lazy; docs/examples/sdk.py runs end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True, cwd=ROOT
    )
    return proc.stdout.strip()


def test_import_govern_is_light_and_workspace_loads_on_first_use() -> None:
    heavy = ["govern.workspace", "sqlalchemy", "fastapi", "pandas"]
    out = _python(f"import sys, govern; print([m for m in {heavy!r} if m in sys.modules])")
    assert out == "[]"
    out = _python(
        "from govern import Workspace, ModelSpec, GovernError; import govern.workspace as w; "
        "print(Workspace is w.Workspace, 'Workspace' in dir(__import__('govern')))"
    )
    assert out == "True True"
    proc = subprocess.run(
        [sys.executable, "-c", "import govern; govern.Nope"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 1 and "has no attribute 'Nope'" in proc.stderr


def test_the_sdk_example_runs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / "sdk.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "registered credit-risk@1: tier high" in out
    assert "gate promote credit-risk@1 -> staging: pending_approval (exit code 3)" in out
    assert "└── run:train-1" in out and "dataset:credit/applications@1" in out
    assert "OpenLineage run" in out and "2 edge(s)" in out
