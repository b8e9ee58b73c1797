"""bench/gate.py runs end to end at a tiny size and prints every figure beside its anchor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "gate.py"


@pytest.mark.slow
def test_gate_bench_runs_at_tiny_size(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--rows",
            "2000",
            "--cold",
            "1",
            "--warm",
            "2",
            "--workdir",
            str(tmp_path),
            "--no-save",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in (
        "cold govern gate promote",
        "python -c pass",
        "govern --help",
        "warm in-process gate",
        "stage by stage",
        "python -X importtime",
        "pandas",
    ):
        assert figure in result.stdout
    assert "20 rules, 2,000 evaluation rows" in result.stdout
