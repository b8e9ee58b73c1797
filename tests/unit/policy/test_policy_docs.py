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


def codes() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        found.update(_RAISES.findall(path.read_text(encoding="utf-8")))
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
