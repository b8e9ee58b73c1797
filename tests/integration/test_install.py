"""The wheel installs into a fresh venv with its runtime dependencies only, and works there.

An install of the wheel (no extras, dependencies resolved from its metadata by uv's pip
interface) into a new venv without system site-packages, then ``govern --help``, ``govern policy
validate`` (the shipped packs) and a whole ``govern gate promote`` on a small workspace, all
through the venv's console script.
fairlearn and lightgbm (dev and demo extras) are not installed there, so nothing can import them.

Downloading the runtime dependencies from the registry takes about 5 minutes; they are kept as a
wheelhouse under ``~/.cache/govern-tests`` (or ``GOVERN_TEST_CACHE``), keyed by the dependency
list and the interpreter (built by ``pip wheel``), and uv installs from it with ``--no-index``.
After the first run the test takes about 25 s.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]

EVAL_MAPPING = ["--label", "outcome", "--prediction", "prediction", "--score", "score", "--sensitive", "sex,race"]


def _run(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=timeout)


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _wheelhouse() -> Path:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    key = hashlib.sha256(json.dumps([sorted(deps), sys.version_info[:2], sys.platform]).encode()).hexdigest()[:16]
    base = Path(os.environ.get("GOVERN_TEST_CACHE", Path.home() / ".cache" / "govern-tests"))
    return base / f"wheelhouse-{key}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # The project alone (its dependencies are installed from the wheelhouse below).
    _ok(_run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT))
    [built] = out.glob("govern-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    house = _wheelhouse()
    if not (house / ".complete").exists():
        partial = house.with_name(house.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        _ok(_run(sys.executable, "-m", "pip", "wheel", "-q", "-w", partial, wheel, timeout=1800))
        for own in partial.glob("govern-*.whl"):
            own.unlink()
        (partial / ".complete").touch()
        shutil.rmtree(house, ignore_errors=True)
        partial.rename(house)
    root = tmp_path_factory.mktemp("venv") / "venv"
    # uv (a dev dependency) makes the venv and installs from the wheelhouse in seconds, where
    # `python -m venv` and pip took about 45 s; the venv has no system site-packages either way.
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    _ok(_run(uv, "venv", "-q", "--python", sys.executable, root))
    python = root / "bin" / "python"
    # --compile-bytecode as pip does (with PYTHONDONTWRITEBYTECODE set nothing else writes them)
    _ok(
        _run(
            uv,
            "pip",
            "install",
            "-q",
            "--compile-bytecode",
            "--python",
            python,
            "--no-index",
            "--find-links",
            house,
            wheel,
        )
    )
    return root


def test_wheel_ships_no_test_only_modules(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "govern/__init__.py" in names
    assert any(n.startswith("govern/_data/policies/") for n in names)
    assert not [n for n in names if n.endswith(("_oracle.py", "_sample.py"))]


def test_fresh_install_runs_without_dev_or_demo_packages(venv: Path, tmp_path: Path) -> None:
    from govern.demo import build

    python, govern = venv / "bin" / "python", venv / "bin" / "govern"
    absent = _ok(
        _run(
            python,
            "-c",
            "import importlib.util as u; print([m for m in ('fairlearn', 'lightgbm', 'celpy') if u.find_spec(m)])",
        )
    )
    assert absent.stdout.strip() == "[]"

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "PYTHON"))}
    env["GOVERN_WORKSPACE"] = str(tmp_path / "ws")
    env["GOVERN_ACTOR"] = "ci-bot"
    assert "Usage" in _ok(_run(govern, "--help", env=env)).stdout
    assert "ok: no problems" in _ok(_run(govern, "policy", "validate", env=env)).stdout
    demo = _run(govern, "demo", "--dir", tmp_path / "demo", env=env)
    assert demo.returncode == 2
    assert demo.stderr.count("\n") == 1 and "pip install 'govern[demo]'" in demo.stderr, demo.stderr
    assert not (tmp_path / "demo").exists() or not any((tmp_path / "demo").iterdir())

    files = build(tmp_path / "scenario", small=True)  # written by this (dev) interpreter
    card = _ok(
        _run(python, "-c", "from govern.core import resource_path; print(resource_path('model_cards'))", env=env)
    )
    _ok(_run(govern, "init", env=env))
    _ok(_run(govern, "lineage", "ingest", files.manifest, env=env))
    ref = "credit-risk-lr@1"
    card_file = Path(card.stdout.strip()) / "credit-risk-lr.json"
    _ok(_run(govern, "model", "register", ref, "--run", "train-lr-2024-03", "--owner", "bob", "--tag",
             "use_case=credit", "--framework", "sklearn", "--card", card_file, env=env))  # fmt: skip
    _ok(_run(govern, "evidence", "add", ref, files.lr_eval, "--role", "evaluation", *EVAL_MAPPING, env=env))
    _ok(_run(govern, "evidence", "add", ref, files.lr_model, "--role", "model", env=env))
    _ok(_run(govern, "evidence", "add", ref, files.reference, "--role", "reference", env=env))
    _ok(_run(govern, "evidence", "add", ref, files.lr_explanation, "--role", "explanation", env=env))

    gate = _run(govern, "gate", "promote", ref, "--to", "staging", "--format", "json", env=env)
    decision = json.loads(gate.stdout)
    assert gate.returncode == decision["exit_code"], gate.stderr
    assert decision["outcome"] in ("allow", "pending_approval"), decision["reasons"]
    assert [f["rule"] for f in decision["findings"] if f["result"] == "error"] == []
