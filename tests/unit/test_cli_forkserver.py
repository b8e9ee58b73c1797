"""The tests' CLI fork server answers exactly as the installed console script does.

Every CLI test relies on it (tests/conftest.py ``run_cli``, the ``cli`` fixture), so it is checked against the real
``govern`` script on the same calls: exit code, standard output and standard error, each call's
own environment and working directory, and nothing carried from one call to the next.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from govern_testkit import CliForkServer, free_port, workspace_env

MALFORMED = sorted((Path(__file__).parent / "policy" / "malformed").glob("*.yaml"))[:3]


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("policy", "validate"),
        ("policy", "list", "--format", "json"),
        ("no-such-command",),
        ("gate", "promote", "--format", "nope", "x@1", "--to", "staging"),
        *(("policy", "validate", str(p)) for p in MALFORMED),
    ],
    ids=lambda a: "-".join(Path(x).name for x in a)[:60],
)
def test_same_answer_as_the_console_script(args: tuple[str, ...], tmp_path: Path, cli: Any) -> None:
    env = workspace_env(tmp_path / ".govern")
    forked = cli.run(*args, env=env, cwd=tmp_path)
    real = cli.run(*args, env=env, cwd=tmp_path, exec=True)
    assert (forked.returncode, forked.stdout, forked.stderr) == (real.returncode, real.stdout, real.stderr)


def test_each_call_has_its_own_environment_and_directory(tmp_path: Path, cli: Any) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for ws in (a, b):
        ws.mkdir()
        assert cli.run("init", env=workspace_env(ws / ".govern"), cwd=ws).returncode == 0
    assert (a / ".govern").is_dir() and (b / ".govern").is_dir()
    # Each call runs in the environment it was given, not the server's or the previous call's.
    env = workspace_env(a / ".govern")
    assert cli.run("audit", "log", env=env, cwd=a).returncode == 0
    missing = cli.run("audit", "log", env=workspace_env(tmp_path / "nowhere" / ".govern"), cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere" in missing.stderr, missing.stderr
    # A relative path is read from the call's own directory.
    (a / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    located = cli.run("policy", "validate", "broken.yaml", env=env, cwd=a)
    assert located.returncode == 2 and located.stdout.startswith("broken.yaml:"), located.stdout
    assert cli.run("policy", "validate", "broken.yaml", env=env, cwd=b).stdout.startswith(
        "broken.yaml:1:1: policy_path_missing"
    )


def test_a_call_past_its_timeout_is_killed_and_the_next_call_works(tmp_path: Path) -> None:
    server = CliForkServer()
    env = workspace_env(tmp_path / ".govern")
    assert server.run(["init"], env, tmp_path, None, timeout=120).returncode == 0  # type: ignore[union-attr]
    port = free_port()
    with pytest.raises(subprocess.TimeoutExpired):
        server.run(["serve", "--port", str(port)], env, tmp_path, None, timeout=3)  # serves until killed
    # The call and its server were killed together: nothing listens on the port any more.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    again = server.run(["policy", "list"], env, tmp_path, None, timeout=120)
    assert again is not None and again.returncode == 0, again


def test_a_call_with_other_interpreter_variables_runs_the_console_script(tmp_path: Path, cli: Any) -> None:
    env = {**workspace_env(tmp_path / ".govern"), "PYTHONHASHSEED": "123"}
    assert CliForkServer().run(["--help"], env, tmp_path, None, timeout=120) is None
    assert cli.run("--help", env=env, cwd=tmp_path).returncode == 0  # run_cli falls back to the script
