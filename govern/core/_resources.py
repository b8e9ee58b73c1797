"""Files shipped with govern (policy packs, report templates, control catalogs, card schema).

In a wheel they live in ``govern/_data/``; in a checkout, at the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

from ._codes import RESOURCE_MISSING
from ._errors import GovernError

_PACKAGE = Path(__file__).resolve().parents[1]


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. ``resource_path("policies", "baseline")``."""
    for base in (_PACKAGE / "_data", _PACKAGE.parent):
        candidate = base.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise GovernError(RESOURCE_MISSING, f"shipped resource {'/'.join(parts)} not found")
