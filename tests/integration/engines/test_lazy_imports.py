"""Importing govern (the package, the stats room, the CLI) never imports an engine library."""

from __future__ import annotations

import subprocess
import sys

ENGINES = ("duckdb", "pyspark", "dask", "distributed", "ray")


def test_importing_govern_imports_no_engine() -> None:
    code = (
        "import sys, govern, govern.stats, govern.stats._sql, govern.cli, govern.checks, govern.evidence; "
        "from govern.stats import ENGINES, collect; "
        f"print([m for m in {ENGINES!r} if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_adapter_modules_import_their_engine_only_when_called() -> None:
    code = (
        "import sys, govern.stats._duckdb, govern.stats._spark, govern.stats._dask, govern.stats._ray; "
        f"print([m for m in {ENGINES!r} if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
