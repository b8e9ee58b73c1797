"""The malformed-policy corpus: each file names what it breaks and declares its code and line.

Header of every file: ``# expect: <code> line <N>``. ``govern policy validate FILE`` must exit 2,
print ``FILE:N:<col>: <code>: ...`` and never a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govern.policy import validate_paths

MALFORMED = Path(__file__).parent / "malformed"
FILES = sorted(MALFORMED.glob("*.yaml"))
_HEADER = re.compile(r"^# expect: (?P<code>[a-z_]+) line (?P<line>\d+)$")


def expected(path: Path) -> tuple[str, int]:
    match = _HEADER.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} lacks its '# expect: <code> line <N>' header"
    return match["code"], int(match["line"])


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 30
    codes = {expected(p)[0] for p in FILES}
    assert len(codes) >= 15  # the corpus covers many kinds of breakage, not one


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_validate_cli_reports_located_error(path: Path, cli: type) -> None:
    code, line = expected(path)
    result = cli.run("policy", "validate", str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    pattern = re.compile(rf"^{re.escape(str(path))}:{line}:\d+: {code}: ", re.MULTILINE)
    assert pattern.search(result.stdout), result.stdout


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_problems_are_sorted_and_located(path: Path) -> None:
    problems = validate_paths([path])
    assert problems == sorted(problems)
    assert all(p.line >= 1 and p.col >= 1 for p in problems)


def test_every_problem_of_every_file_is_reported_at_once(cli: type) -> None:
    result = cli.run("policy", "validate", *map(str, FILES))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines == sorted(lines, key=lambda s: _sort_key(s))
    for path in FILES:
        code, line = expected(path)
        assert any(s.startswith(f"{path}:{line}:") and f": {code}: " in s for s in lines), path.name


def _sort_key(line: str) -> tuple[str, int, int]:
    file, ln, col, _ = line.split(":", 3)
    return file, int(ln), int(col)
