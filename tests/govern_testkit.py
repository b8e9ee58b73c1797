"""Helpers shared by test folders (importable because pytest puts tests/ on the path).

Fixtures live in conftest.py files; plain helpers that several folders need live here, so they
are written once: the environment of a workspace, the ``govern`` command (and a fork server that
runs it without paying the interpreter start on every call), a free loopback port and a real
``govern serve`` process.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import httpx


def workspace_env(path: Path, database_url: str | None = None) -> dict[str, str]:
    """This process's environment without any ``GOVERN_*`` variable, pointed at one workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env["GOVERN_WORKSPACE"] = str(path)
    if database_url:
        env["GOVERN_DATABASE_URL"] = database_url
    return env


def govern_command() -> list[str]:
    """The ``govern`` console script of the interpreter running the tests."""
    exe = shutil.which("govern", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "govern"]


class CliForkServer:
    """``govern`` calls through tests/cli_forkserver.py: one process per call, forked from one
    interpreter that has imported govern already (about 0.1 s a call instead of about 1 s).

    One per test process, started on first use. A call made while another is running (from a
    second thread) runs the real console script instead, so concurrent calls stay concurrent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._vars = _interpreter_vars(os.environ)  # what the server's interpreter starts with
        self._dir = Path(tempfile.mkdtemp(prefix="govern-cli-"))
        atexit.register(shutil.rmtree, self._dir, ignore_errors=True)

    def _start(self) -> subprocess.Popen[bytes]:
        self._vars = _interpreter_vars(os.environ)
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("cli_forkserver.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a timeout kills the server and the call it forked together
        )
        assert proc.stdout is not None
        if json.loads(proc.stdout.readline() or b"{}").get("ready") is not True:
            raise RuntimeError("the CLI fork server did not start (its errors are on the test's stderr)")
        return proc

    def run(
        self, args: list[str], env: dict[str, str] | None, cwd: Path | None, input: str | None, timeout: float
    ) -> subprocess.CompletedProcess[str] | None:
        """The finished call, or ``None`` when the server cannot stand in for a new interpreter
        (it is busy, or the call sets ``PYTHON*`` variables differently): the caller runs it itself."""
        if _interpreter_vars(os.environ if env is None else env) != self._vars:
            return None
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            streams = {name: self._dir / name for name in ("stdin", "stdout", "stderr")}
            if input is not None:
                streams["stdin"].write_text(input, encoding="utf-8")
            request = {
                "args": args,
                "env": dict(os.environ if env is None else env),
                "cwd": str(cwd or Path.cwd()),
                "stdin": None if input is None else str(streams["stdin"]),
                "stdout": str(streams["stdout"]),
                "stderr": str(streams["stderr"]),
            }
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
            ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
            if not ready:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
                _wait_group_gone(self._proc.pid)
                self._proc = None
                raise subprocess.TimeoutExpired(["govern", *args], timeout)
            line = self._proc.stdout.readline()
            if not line:
                self._proc = None
                raise RuntimeError(f"the CLI fork server died during govern {' '.join(args)}")
            answer = json.loads(line)
            out, err = (streams[name].read_text(encoding="utf-8", errors="replace") for name in ("stdout", "stderr"))
            return subprocess.CompletedProcess(["govern", *args], answer["returncode"], out, err)
        finally:
            self._lock.release()


def _interpreter_vars(env: Mapping[str, str]) -> dict[str, str]:
    """The variables a new interpreter reads at start (PYTHONPATH, PYTHONHASHSEED, ...)."""
    return {k: v for k, v in env.items() if k.startswith("PYTHON")}


def _wait_group_gone(pgid: int, timeout: float = 10) -> None:
    """Until every process of the group has exited (a killed call's own children included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """A real ``govern serve`` on a free loopback port, up (``/healthz`` answers) or raising."""

    def __init__(self, env: dict[str, str], log_dir: Path, *, workers: int = 1, timeout: float = 30) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.exe = govern_command()
        self.log = log_dir / f"serve-{self.port}.log"
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(
            [*self.exe, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"govern serve exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"govern serve did not come up: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
