"""A fork server for the tests' ``govern`` CLI calls: imports govern once, forks one process per call.

Each call is still its own process, with its own environment, working directory, standard
streams and exit code, running ``govern.cli.main`` exactly as the console script does; only the
interpreter start and the imports (about a second per call on this machine) are done once,
before the fork. Started by ``govern_testkit.CliForkServer``; speaks one JSON line per call on
standard input and answers with one JSON line on standard output:

    {"args": [...], "env": {...}, "cwd": "...", "stdin": path | null, "stdout": path, "stderr": path}
    {"returncode": int}

Tests that are about the process start itself (import boundaries, cold start, the installed
script) run the real console script instead (``run_cli(..., exec=True)`` or their own
``subprocess``).
"""

from __future__ import annotations

import atexit
import importlib
import io
import json
import os
import sys
import traceback

# What the CLI's commands import (none of it reads the environment at import time).
PRELOAD = (
    "govern.cli._app",
    "govern.workspace",
    "govern.decisions",
    "govern.lineage",
    "govern.ledger",
    "govern.policy",
    "govern.evidence",
    "govern.checks",
    "govern.reports",
)


def _child(request: dict[str, object]) -> int:
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
    stdin = request["stdin"] or os.devnull
    for fd, path, flags in (
        (0, stdin, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        opened = os.open(str(path), flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    # Fresh text streams over the new descriptors, as a new interpreter would make them.
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace")
    sys.argv = ["govern", *map(str, request["args"])]  # type: ignore[call-overload]
    code = 0
    try:
        from govern.cli import main

        main(sys.argv[1:])
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001  # what the interpreter would print for an uncaught exception
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()  # type: ignore[attr-defined]  # what interpreter shutdown runs
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return code


def main() -> None:
    # The protocol keeps its own copies of the pipes; descriptors 0 and 1 become /dev/null and
    # standard error, so nothing the imports print can reach the answers.
    requests = io.TextIOWrapper(io.FileIO(os.dup(0), "r"), encoding="utf-8")
    answers = io.TextIOWrapper(io.FileIO(os.dup(1), "w"), encoding="utf-8", line_buffering=True)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    for name in PRELOAD:
        importlib.import_module(name)
    answers.write('{"ready": true}\n')
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests.close()
            answers.close()
            code = 1
            try:
                code = _child(request)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")


if __name__ == "__main__":
    main()
