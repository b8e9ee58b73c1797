"""Every error code the policy room raises is in docs/policy-language.md; the bench runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted((ROOT / "govern" / "policy").glob("*.py"))
# The code is the first string literal that looks like a code, in these constructors.
_RAISES = re.compile(
    r"(?:GovernError|VerificationError|CelIssue|Outcome|_error|problem|Problem)\((?:[^()\"]|\([^()]*\))*?\"([a-z]+(?:_[a-z]+)+)\"",
    re.DOTALL,
)

_CONSTANT = re.compile(r'^[A-Z][A-Z0-9_]*: Final = "([a-z][a-z0-9_]+)"$', re.M)


def codes() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        # _codes.py declares the codes raised through constants (scripts/error_codes.py).
        found.update(_CONSTANT.findall(text) if path.name == "_codes.py" else _RAISES.findall(text))
    return found


def test_error_codes_are_documented() -> None:
    docs = (ROOT / "docs" / "policy-language.md").read_text(encoding="utf-8")
    found = codes()
    assert {"cel_budget_exceeded", "unknown_control", "yaml_syntax_error", "pack_unsigned"} <= found
    missing = sorted(code for code in found if f"`{code}`" not in docs)
    assert not missing, missing


def test_commands_are_documented() -> None:
    docs = (ROOT / "docs" / "policy-language.md").read_text(encoding="utf-8")
    for command in ("validate", "test", "list", "sign"):
        assert f"`govern policy {command}" in docs


def test_bench_smoke() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "policy.py"), "--models", "20", "--anchor-models", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "rule evaluations/s" in result.stdout and "ratio" in result.stdout
