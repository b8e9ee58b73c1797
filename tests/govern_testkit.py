"""Helpers shared by test folders (importable because pytest puts tests/ on the path).

Fixtures live in conftest.py files; plain helpers that several folders need live here, so they
are written once: the environment of a workspace, the ``govern`` command, a free loopback port and
a real ``govern serve`` process.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
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
