"""The one error root of govern.

Every error a user can cause or meet is a :class:`GovernError` with a stable ``code``.
The CLI maps errors to exit codes in one place (``govern.cli``), the API maps them to
problem+json in one place (``govern.api``). Verification failures (a tampered ledger,
a bad proof or signature) are :class:`VerificationError`, so "intact or not" is one
``except`` away and never confused with bad input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where an error is: a file, and optionally a line and column (1-based), or a path."""

    file: str
    line: int | None = None
    col: int | None = None
    path: str | None = None  # e.g. a JSON path "$[3].inputs[0].name" or an event index

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.col is not None:
                text += f":{self.col}"
        if self.path:
            text += f": {self.path}"
        return text


class GovernError(Exception):
    """Base of every error govern raises on purpose.

    Parameters
    ----------
    code:
        Stable, snake_case identifier (``policy_parse_error``, ``sod_owner_conflict``).
        Documented in ``docs/errors.md``; tests check every code is documented.
    message:
        One human sentence, no trailing period needed.
    location:
        Where the problem is, when it has a place (file:line, event index, JSON path).
    """

    http_status: int = 400

    def __init__(self, code: str, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.code}: {self.message}"
        return f"{self.code}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.location is not None:
            out["location"] = str(self.location)
        return out


class NotFoundError(GovernError):
    """A referenced object (model, dataset, run, approval, entry) does not exist."""

    http_status = 404


class ConflictError(GovernError):
    """The request contradicts the current state (duplicate approval, stale digest)."""

    http_status = 409


class AuthenticationError(GovernError):
    """No valid credentials: a missing, unknown, expired or revoked token."""

    http_status = 401


class PermissionDenied(GovernError):
    """The caller may not do this (role, separation of duties)."""

    http_status = 403


class VerificationError(GovernError):
    """Integrity failure: something that should verify does not (the CLI exits 1).

    ``seq`` names the first bad ledger sequence number when there is one.
    """

    http_status = 409

    def __init__(self, code: str, message: str, location: Location | None = None, *, seq: int | None = None) -> None:
        super().__init__(code, message, location)
        self.seq = seq

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        if self.seq is not None:
            out["seq"] = self.seq
        return out
