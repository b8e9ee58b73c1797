"""The UCI Adult validation runs and govern agrees with fairlearn and scipy on real data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path("/work/shared/data/adult")
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_validate_adult(tmp_path: Path) -> None:
    if not (DATA / "adult_train.csv").is_file():
        pytest.skip(f"the Adult data folder {DATA} is absent")
    out = tmp_path / "validation.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "validate_adult.py"), "--data", str(DATA), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    diffs = [
        line.rsplit("|", 2)[1].strip() for line in text.splitlines() if line.startswith(("| demographic", "| equal"))
    ]
    assert diffs and all(float(d) < 1e-9 for d in diffs)
    worst = float(text.split("over all drift statistics: ")[1].split(".\n")[0].rstrip("."))
    assert worst < 1e-9
