"""What a cold CLI start imports: ``govern --help`` and a gate over recorded measurements load no
heavy library (docs/benchmarks.md, cold CLI start). Checked on the modules Python reports under
``-X importtime``, not on timings."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

# Libraries that only computing a check, loading a model, serving or migrating needs.
HEAVY = ("pandas", "numpy", "scipy", "sklearn", "skops", "pyarrow", "fastapi", "mlflow", "shap", "alembic")
GATE = ["gate", "promote", "credit-risk-lr@1", "--to", "production", "--format", "json", "--no-progress"]


def imported(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m govern ARGS``; the process and the top-level package of every import."""
    argv = [sys.executable, "-X", "importtime", "-m", "govern", *args]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", proc.stderr, flags=re.M)
    return proc, {name.split(".")[0] for name in names}


def test_help_imports_no_heavy_library_nor_settings_or_rich(gate_workspace: Any) -> None:
    proc, modules = imported(["--help"], gate_workspace.env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "gate" in proc.stdout
    assert "govern" in modules  # the listing is real
    forbidden = {*HEAVY, "sqlalchemy", "pydantic_settings", "rich"}
    assert modules.isdisjoint(forbidden), modules & forbidden


def test_a_gate_over_recorded_measurements_imports_no_heavy_library(gate_workspace: Any) -> None:
    first = subprocess.run(
        [sys.executable, "-m", "govern", *GATE], env=gate_workspace.env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode in (0, 1, 3), first.stderr[-2000:]  # records the measurements
    proc, modules = imported(GATE, gate_workspace.env)
    assert proc.returncode == first.returncode, proc.stderr[-2000:]
    assert '"outcome"' in proc.stdout
    assert "sqlalchemy" in modules  # the listing is real
    forbidden = {*HEAVY, "pydantic_settings"}
    assert modules.isdisjoint(forbidden), modules & forbidden
