"""bench/cold.py runs end to end at a tiny size and prints both figures beside their anchors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "cold.py"


@pytest.mark.slow
def test_cold_bench_runs_at_tiny_size(tmp_path: Path) -> None:
    argv = [sys.executable, str(BENCH), "--rows", "2000", "--runs", "1", "--workdir", str(tmp_path), "--no-save"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in ("`govern --help`", "cold `govern gate promote`", "`python -c pass`", "`import sqlalchemy`"):
        assert figure in result.stdout
    assert result.stdout.count("heavy libraries imported: none") == 2
