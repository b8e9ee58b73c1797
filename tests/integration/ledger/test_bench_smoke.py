"""bench/ledger.py runs end to end at a tiny size (SQLite only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "ledger.py"


def test_ledger_bench_runs_at_tiny_size() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--appends",
            "20",
            "--batched",
            "200",
            "--verify",
            "300",
            "--proof-size",
            "600",
            "--pg",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for figure in ("durable appends/s", "batched appends/s", "verify entries/s", "inclusion proof at 600 entries"):
        assert figure in result.stdout
