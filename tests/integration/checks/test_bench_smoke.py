"""The checks benchmark runs at a tiny size (the real run is `python bench/checks.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_bench_checks_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "checks.py"),
            "--scale",
            "0.002",
            "--skip-evidently",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().count("\n| ") >= 5
