"""bench/api.py runs end to end at a tiny size (SQLite only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "api.py"


def test_api_bench_runs_at_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--pg", "none"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for figure in ("HTTP approve median @ 20/s", "HTTP approve p99 @ 20/s", "approvals/s, 16 clients", "non-200: none"):
        assert figure in result.stdout, result.stdout
