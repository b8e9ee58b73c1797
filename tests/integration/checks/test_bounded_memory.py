"""`govern check fairness DIR` streams: it runs under an address-space limit far below the data's size.

The dataset has 10^6 rows whose sensitive column holds 1,000-character values: 1 GB once decoded
(what loading it into pandas would need), a few MB on disk (Parquet dictionary pages). The
command runs with ``RLIMIT_AS`` set to the address space the same command needs on a 1,000-row
copy plus 256 MiB, a quarter of the data's size: it must finish and give the numbers of the
in-memory check on the same rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS = 1_000_000
WIDTH = 1_000
HEADROOM = 192 << 20

RUNNER = """
import atexit, resource, runpy, sys
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmPeak:"):
            sys.stderr.write("VMPEAK " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["govern", *sys.argv[2:]]
runpy.run_module("govern", run_name="__main__")
"""


def _dataset(root: Path, rows: int, files: int) -> None:
    root.mkdir()
    rng = np.random.default_rng(7)
    names = pa.array([c * WIDTH for c in ("a", "b", "c")])
    per = rows // files
    for i in range(files):
        group = rng.integers(0, 3, per)
        y = rng.integers(0, 2, per)
        score = np.clip(rng.normal(0.4 + 0.1 * y + 0.02 * group, 0.2), 0, 1)
        table = pa.table(
            {
                "group": pa.DictionaryArray.from_arrays(pa.array(group.astype(np.int32)), names),
                "label": y,
                "score": score,
            }
        )
        pq.write_table(table, root / f"part-{i:02d}.parquet", row_group_size=50_000)


def _run(limit: int, data: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    args = ["check", "fairness", str(data), "--label", "label", "--score", "score", "--sensitive", "group"]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(limit), *args, "--replicates", "200", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    peaks = [int(line.split()[1]) << 10 for line in done.stderr.splitlines() if line.startswith("VMPEAK")]
    return done, (peaks[-1] if peaks else 0)


def test_fairness_of_a_directory_runs_in_a_fraction_of_the_data_size(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    _dataset(small, 1_000, 2)
    _dataset(large, ROWS, 8)
    decoded = ROWS * WIDTH
    on_disk = sum(p.stat().st_size for p in large.iterdir())
    assert on_disk < decoded / 50

    done, baseline = _run(0, small)
    assert done.returncode == 0, done.stderr
    budget = baseline + HEADROOM
    assert decoded / 4 > HEADROOM

    done, peak = _run(budget, large)
    assert done.returncode == 0, done.stderr[-2000:]
    streamed = json.loads(done.stdout)
    assert peak <= budget

    # the same numbers as the in-memory check on the same rows (loaded here, without a limit)
    from govern.checks import fairness

    table = pa.concat_tables(pq.read_table(p) for p in sorted(large.iterdir()))
    y = table["label"].to_numpy()
    pred = (table["score"].to_numpy() >= 0.5).astype(int)
    groups = table["group"].to_pandas().astype(str).str[0].map({"a": "a" * WIDTH, "b": "b" * WIDTH, "c": "c" * WIDTH})
    expected = fairness(y, pred, sensitive={"group": groups.to_numpy()}, replicates=200)
    value = expected["value"] if isinstance(expected, dict) else expected.value
    assert streamed["value"] == pytest.approx(value, abs=1e-12)
