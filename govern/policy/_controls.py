"""Control catalogs (``audit/controls/*.yaml``): the regulatory controls rules cite.

Catalog format: ``{framework, title, controls: [{id, title, procedural?}]}``; ids are
``<framework>/<clause>``. ``procedural: <reason>`` marks a control that no rule on a model can
check (an organisational process, or one govern meets itself, such as Art. 12 logging by the
ledger); every other shipped control is cited by a shipped rule (tests/unit/policy/test_catalog_coverage.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from govern.core import GovernError, Location, resource_path

from ._codes import CONTROL_CATALOG_ERROR
from ._yaml import load_documents


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    title: str
    framework: str
    procedural: str | None = None  # why no rule checks it; None: rules are expected to cite it


def load_catalog(directory: Path | None = None) -> dict[str, Control]:
    """All controls in ``directory`` (default: the shipped ``audit/controls``), by id.

    Raises ``GovernError(control_catalog_error)`` for an unreadable or malformed catalog.
    """
    return dict(_load(directory or resource_path("audit", "controls")))


@cache
def _load(directory: Path) -> tuple[tuple[str, Control], ...]:
    out: dict[str, Control] = {}
    for path in sorted(directory.glob("*.yaml")):
        docs, problems = load_documents(path)
        if problems:
            raise GovernError(CONTROL_CATALOG_ERROR, problems[0].message, problems[0].location)
        for doc in docs:
            data = doc.data
            if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
                raise GovernError(CONTROL_CATALOG_ERROR, "a catalog needs a 'controls' list", Location(str(path)))
            framework = str(data.get("framework", path.stem))
            for i, item in enumerate(data["controls"]):
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    at = doc.pos(("controls", i))
                    raise GovernError(
                        CONTROL_CATALOG_ERROR, "each control needs an id", Location(str(path), at.line, at.col)
                    )
                if not item["id"].startswith(framework + "/"):
                    at = doc.pos(("controls", i, "id"))
                    raise GovernError(
                        CONTROL_CATALOG_ERROR,
                        f"control {item['id']!r} does not start with {framework}/",
                        Location(str(path), at.line, at.col),
                    )
                procedural = item.get("procedural")
                if procedural is not None and (not isinstance(procedural, str) or not procedural.strip()):
                    at = doc.pos(("controls", i, "procedural"))
                    raise GovernError(
                        CONTROL_CATALOG_ERROR,
                        f"control {item['id']!r}: procedural must be the reason, as text",
                        Location(str(path), at.line, at.col),
                    )
                out[item["id"]] = Control(
                    item["id"], str(item.get("title", "")), framework, procedural.strip() if procedural else None
                )
    return tuple(out.items())
