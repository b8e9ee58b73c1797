"""Turn the error-code string literals of a room into constants declared in ``govern/<room>/_codes.py``.

    python scripts/error_codes.py [ROOM ...]      # default: every room listed in ROOMS

Idempotent: a room's ``_codes.py`` keeps the constants it has and gains the new ones; only the
literal first argument of an error constructor (``GovernError("code", ...)``, ``Problem(...)``,
the ``_fail``/``_error``/``_problem``/``_invalid`` helpers: the calls tests/unit/test_docs.py scans)
is rewritten, to the constant imported from the room's ``_codes``. Each room declares every code it
raises, so no room imports another room's codes. Run ``ruff check --fix --select I`` and
``ruff format`` on the changed files afterwards (the script prints them).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = [
    "api",
    "cards",
    "checks",
    "cli",
    "core",
    "decisions",
    "demo",
    "evidence",
    "identity",
    "incidents",
    "ledger",
    "lineage",
    "llm",
    "measurements",
    "policy",
    "registry",
    "reports",
    "reviews",
    "stats",
    "store",
    "webhooks",
    "workspace",
]
ERROR_CALL = re.compile(
    r"((?:GovernError|NotFoundError|ConflictError|PermissionDenied|AuthenticationError|VerificationError"
    r"|_fail|_error|_problem|_invalid|Problem)\(\s*)\"([a-z][a-z0-9_]+)\"",
)
CONSTANT = re.compile(r'^([A-Z][A-Z0-9_]*): Final = "([a-z][a-z0-9_]+)"$', re.M)
HEADER = '''"""Error codes of ``govern.{room}``: the ``code`` of every GovernError this room raises.

Each is documented in docs/errors.md (tests/unit/test_docs.py checks). Generated and extended by
``scripts/error_codes.py``; keep one constant per line, sorted.
"""

from typing import Final

'''


def _insert_import(text: str, line: str) -> str:
    """Add ``line`` after the module's leading imports (after its docstring and __future__)."""
    tree = ast.parse(text)
    last = None
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            last = node
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and last is None:
            continue
        else:
            break
    lines = text.splitlines(keepends=True)
    at = last.end_lineno if last is not None else 0
    if last is None and tree.body and isinstance(tree.body[0], ast.Expr):
        at = tree.body[0].end_lineno or 0
    return "".join([*lines[:at], line + "\n", *lines[at:]])


def convert(room: str) -> list[Path]:
    base = ROOT / "govern" / room
    codes_file = base / "_codes.py"
    known = dict(CONSTANT.findall(codes_file.read_text(encoding="utf-8"))) if codes_file.exists() else {}
    changed: list[Path] = []
    for path in sorted(base.rglob("*.py")):
        if path == codes_file:
            continue
        text = path.read_text(encoding="utf-8")
        used = sorted({code for _, code in ERROR_CALL.findall(text)})
        if not used:
            continue
        names = {code: code.upper() for code in used}
        defined = {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        clash = sorted(set(names.values()) & defined)
        if clash:
            sys.exit(f"{path}: names already bound: {clash}")
        new = ERROR_CALL.sub(lambda m, names=names: m.group(1) + names[m.group(2)], text)
        depth = len(path.relative_to(base).parts) - 1
        new = _insert_import(new, f"from {'.' * (depth + 1)}_codes import {', '.join(sorted(names.values()))}")
        path.write_text(new, encoding="utf-8")
        changed.append(path)
        known.update({name: code for code, name in names.items()})
    if known:
        body = "".join(f'{name}: Final = "{code}"\n' for name, code in sorted(known.items()))
        codes_file.write_text(HEADER.format(room=room) + body, encoding="utf-8")
        changed.append(codes_file)
        init = base / "__init__.py"
        text = init.read_text(encoding="utf-8")
        if "from . import _codes as codes" not in text:
            text = _insert_import(text, "from . import _codes as codes")
            text = re.sub(
                r"(__all__ = \[\n)",
                r'\1    # error codes (the constants of every code this room raises)\n    "codes",\n',
                text,
            )
            init.write_text(text, encoding="utf-8")
            changed.append(init)
    return changed


def main(argv: list[str]) -> None:
    for room in argv or ROOMS:
        for path in convert(room):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main(sys.argv[1:])
