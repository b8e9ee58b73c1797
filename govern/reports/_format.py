"""How numbers and values print in reports (tests format expected numbers with the same rule)."""

from __future__ import annotations

import math
from typing import Any


def fmt(value: Any) -> str:
    """Integers as they are; floats with 3 decimals, or 3 significant digits in scientific
    notation below 0.001 (p-values); booleans as yes/no; None (not measured) as an em dash,
    never as 0."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value != 0 and abs(value) < 0.001:
            return f"{value:.2e}"
        return f"{value:.3f}"
    return str(value)


def when(text: str | None) -> str:
    """ISO 8601 time as ``YYYY-MM-DD HH:MM:SS UTC`` (text that is not a time is shown as is)."""
    from datetime import UTC, datetime

    if not text:
        return "–"
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
