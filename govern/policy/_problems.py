"""Located problems: what ``govern policy validate`` prints, one per line, sorted."""

from __future__ import annotations

from dataclasses import dataclass

from govern.core import GovernError, Location

MAX_REPORTED: int = 500  # like OPA, cap the list; the count is still exact


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One problem in a policy file: ``file:line:col: code: message`` (line and col 1-based)."""

    file: str
    line: int
    col: int
    code: str
    message: str

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.col)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "col": self.col, "code": self.code, "message": self.message}


class PolicyInvalid(GovernError):
    """Raised by :func:`load_packs` when any pack has a problem; ``problems`` holds all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        problems = sorted(problems)
        shown = "\n".join(str(p) for p in problems[:MAX_REPORTED])
        more = f"\n... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        first = problems[0]
        super().__init__(
            "policy_invalid",
            f"{len(problems)} problem(s) in policy packs:\n{shown}{more}",
            first.location,
        )
        self.problems = problems

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
