"""Time. One place to read the clock, so tests can pin it (and only tests: see :func:`clock_override`)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from ._codes import INVALID_TIME, UNSAFE_CLOCK_REFUSED

UNSAFE_NOW = "GOVERN_UNSAFE_NOW"
UNSAFE_TESTING = "GOVERN_UNSAFE_TESTING"
_REMOVED = "GOVERN_NOW"


def clock_override() -> str | None:
    """The pinned time (ISO 8601 text) when the unsafe test clock is in force, else None.

    ``GOVERN_UNSAFE_NOW`` pins the clock only together with ``GOVERN_UNSAFE_TESTING=1``: whoever
    sets the environment would otherwise move waiver, approval and token expiry and the ledger's
    timestamps. The ledger marks every entry appended under a pinned clock (``unsafe_clock``).

    Raises ``GovernError(unsafe_clock_refused)`` when ``GOVERN_UNSAFE_NOW`` is set without the
    test setting, or when the removed ``GOVERN_NOW`` is set: failing beats silently using
    another time than the one asked for.
    """
    pinned = os.environ.get(UNSAFE_NOW)
    if os.environ.get(_REMOVED):
        from ._errors import GovernError

        raise GovernError(UNSAFE_CLOCK_REFUSED, f"{_REMOVED} is no longer read; tests pin the clock with {UNSAFE_NOW}")
    if not pinned:
        return None
    if os.environ.get(UNSAFE_TESTING) != "1":
        from ._errors import GovernError

        raise GovernError(UNSAFE_CLOCK_REFUSED, f"{UNSAFE_NOW} is honoured only in tests, with {UNSAFE_TESTING}=1")
    return pinned


def utcnow() -> datetime:
    """Current UTC time, or the unsafe test clock (:func:`clock_override`) when it is in force."""
    pinned = clock_override()
    if pinned:
        return parse_time(pinned)
    return datetime.now(UTC)


def parse_time(text: str) -> datetime:
    """Parse ISO 8601 (a bare date means midnight UTC); naive times are UTC."""
    from ._errors import GovernError

    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GovernError(INVALID_TIME, f"not an ISO 8601 date or time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def isoformat(value: datetime) -> str:
    """RFC 3339 UTC text with microseconds and a ``Z``: the one time format in ledger entries."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
