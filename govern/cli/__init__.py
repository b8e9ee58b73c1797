"""The ``govern`` command line: parse, call one library function, format. No business rules here.

Commands return an :class:`Outcome` (or ``None`` for success) and raise ``GovernError`` for bad
input; :func:`main` is the one place either becomes an exit code (:data:`EXIT_CODES`).
"""

from __future__ import annotations

import os
import sys

from . import _codes as codes
from ._exits import EXIT_CODES, Outcome, decision_outcome, error_outcome

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # entry point
    "main",
    # outcomes and their exit codes
    "Outcome",
    "EXIT_CODES",
    "decision_outcome",
    "error_outcome",
]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``govern`` console script."""
    result = _run(argv)
    sys.exit(EXIT_CODES[result] if isinstance(result, Outcome) else result)


def _run(argv: list[str] | None) -> Outcome | int:
    """Run the command; its outcome, or the exit code Click itself chose (``--help`` is 0)."""
    from govern.core import GovernError

    try:
        from ._app import build

        args = sys.argv[1:] if argv is None else argv
        result = build(args)(args=args, prog_name="govern", standalone_mode=False)
    except GovernError as err:
        _say(f"govern: {err}")
        return error_outcome(err)
    except KeyboardInterrupt:
        _say("govern: interrupted")
        return Outcome.INTERRUPTED
    except Exception as exc:
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]  # click's ClickException, not importable as a type here
            return Outcome.INVALID
        if os.environ.get("GOVERN_DEBUG"):
            raise
        _say(
            f"govern: internal_error: {type(exc).__name__}: {exc} "
            "(a bug in govern; set GOVERN_DEBUG=1 for the traceback)"
        )
        return Outcome.INVALID
    if result is None:
        return Outcome.OK
    if isinstance(result, Outcome):
        return result
    # Click's own exits (--help, no arguments) come back as their code under standalone_mode=False.
    return int(result) if isinstance(result, int) else Outcome.OK


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")


def _is_usage_error(exc: Exception) -> bool:
    """Usage errors of the command-line parser (Typer vendors its own click)."""
    return any(cls.__name__ == "ClickException" and cls.__module__.endswith("exceptions") for cls in type(exc).__mro__)
