"""Documentation coverage: every command, setting, error code, role and ledger event kind is in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ERROR_CALL = re.compile(
    r"(?:GovernError|NotFoundError|ConflictError|PermissionDenied|AuthenticationError|VerificationError"
    r"|_fail|_error|_problem|_invalid|Problem)\(\s*\"([a-z][a-z0-9_]+)\"",
)


def _docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))


CODE_CONSTANT = re.compile(r'^[A-Z][A-Z0-9_]*: Final = "([a-z][a-z0-9_]+)"$', re.M)


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "govern").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(CODE_CONSTANT.findall(text) if path.name == "_codes.py" else ERROR_CALL.findall(text))
    return codes


def test_every_cli_command_is_documented():
    import typer

    from govern.cli._app import build

    app = build()

    text = (DOCS / "cli.md").read_text(encoding="utf-8")

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path)

    missing = [c for c in walk(typer.main.get_command(app), ["govern"]) if f"`{c}`" not in text]
    assert missing == [], f"run `python scripts/gen_cli_docs.py`; undocumented: {missing}"


def test_every_setting_is_documented():
    from govern.core import Settings

    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"GOVERN_{n.upper()}" not in text]
    assert missing == []


def test_every_error_code_is_documented():
    codes = _codes_in_source()
    assert len(codes) > 50  # the scan itself works
    text = _docs_text()
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert missing == [], f"document these error codes in docs/errors.md: {missing}"


def test_rooms_raise_their_declared_code_constants():
    # A code is a constant of the room's _codes.py, never a literal (scripts/error_codes.py converts).
    literal = sorted(
        f"{path.relative_to(ROOT)}: {code}"
        for path in (ROOT / "govern").rglob("*.py")
        for code in ERROR_CALL.findall(path.read_text(encoding="utf-8"))
    )
    assert literal == [], "declare these in the room's _codes.py (python scripts/error_codes.py)"


def test_every_role_and_event_kind_is_documented():
    from govern.identity import ROLES
    from govern.ledger import EVENT_KINDS

    text = _docs_text()
    assert [r for r in ROLES if f"`{r}`" not in text] == []
    ledger_doc = (DOCS / "ledger-format.md").read_text(encoding="utf-8")
    assert sorted(k for k in EVENT_KINDS if f"`{k}`" not in ledger_doc) == []


@pytest.mark.parametrize("command", ["make demo", "make test"])
def test_readme_starts_with_the_two_setup_commands(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert command in first_block
