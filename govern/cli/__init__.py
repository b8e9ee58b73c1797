"""The ``govern`` command line: parse, call one library function, format. No business rules here.

Errors are mapped to exit codes in exactly one place, :func:`main`.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``govern`` console script."""
    from govern.core import GovernError

    try:
        from ._app import app

        # standalone_mode=False returns typer.Exit's code instead of exiting: pass it on.
        code = app(args=argv, prog_name="govern", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except GovernError as err:
        print(f"govern: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        print("govern: interrupted", file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        if os.environ.get("GOVERN_DEBUG"):
            raise
        print(
            f"govern: internal_error: {type(exc).__name__}: {exc} "
            "(a bug in govern; set GOVERN_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        sys.exit(2)


def _is_usage_error(exc: Exception) -> bool:
    """Usage errors of the command-line parser (Typer vendors its own click)."""
    return any(cls.__name__ == "ClickException" and cls.__module__.endswith("exceptions") for cls in type(exc).__mro__)
