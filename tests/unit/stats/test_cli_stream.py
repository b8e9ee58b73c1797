"""`govern check ... DIR` and `govern evidence add ... DIR`: results, and bad input as one line, exit 2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from govern_testkit import govern_command, workspace_env


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eval")
    rng = np.random.default_rng(0)
    for i in range(3):
        n = 4_000
        pd.DataFrame(
            {"sex": rng.choice(["F", "M"], n), "y": rng.integers(0, 2, n), "p": rng.random(n), "x": rng.normal(i, 1, n)}
        ).to_parquet(root / f"part-{i}.parquet")
    return root


def _govern(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*govern_command(), *args], capture_output=True, text=True, timeout=300, env=env)


def test_check_fairness_of_a_directory(data: Path) -> None:
    done = _govern("check", "fairness", str(data), "--label", "y", "--score", "p", "--sensitive", "sex", "-f", "json")
    assert done.returncode == 0, done.stderr
    m = json.loads(done.stdout)
    assert sum(g["count"] for g in m["per_group"].values()) == 12_000


def test_check_drift_of_two_globs(data: Path) -> None:
    done = _govern("check", "drift", str(data / "part-0.*"), str(data / "part-[12].parquet"), "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["per_feature"]["x"]["psi"] > 1


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--sensitive", "race"], "evidence_missing_column"),
        (["--sensitive", "sex", "--engine", "hadoop"], "stats_engine_unknown"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(data: Path, args: list[str], code: str) -> None:
    done = _govern("check", "fairness", str(data), "--label", "y", "--score", "p", *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and code in lines[0], done.stderr


def test_evidence_add_needs_a_file_or_partials(tmp_path: Path) -> None:
    env = workspace_env(tmp_path)
    assert _govern("init", env=env).returncode == 0
    done = _govern("evidence", "add", "credit@1", "--role", "evaluation", env=env)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "invalid_option" in done.stderr
