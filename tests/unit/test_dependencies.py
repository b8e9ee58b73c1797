"""Every third-party package govern imports is declared in pyproject.toml (runtime or an extra)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imported_top_level_modules() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "govern").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "govern" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _normalized(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_imported_package_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normalized(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_normalized(r) for r in extra}
    distributions = importlib.metadata.packages_distributions()
    imported = _imported_top_level_modules()
    assert len(imported) > 15  # the scan itself works
    undeclared = {
        module: where
        for module, where in imported.items()
        if not {d.lower().replace("_", "-") for d in distributions.get(module, [])} & declared
    }
    assert undeclared == {}, f"declare these in pyproject.toml (module: first importer): {undeclared}"


def test_test_only_modules_are_not_in_the_package() -> None:
    # cel-python (the differential oracle) and fairlearn are dev-only: the package must not import them.
    imported = _imported_top_level_modules()
    assert "celpy" not in imported
    assert "fairlearn" not in imported
