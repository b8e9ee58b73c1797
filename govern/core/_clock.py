"""Time. One place to read the clock, so tests and the demo can pin it."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from ._codes import INVALID_TIME


def utcnow() -> datetime:
    """Current UTC time, or ``GOVERN_NOW`` (ISO 8601) when set, for reproducible runs."""
    pinned = os.environ.get("GOVERN_NOW")
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
