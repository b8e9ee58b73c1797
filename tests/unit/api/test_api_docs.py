"""docs/api.md states the role matrix and every route; they must agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
ROW = re.compile(r"^\| `([a-z]+\.[a-z]+)` \| (.*?) \| (.*?) \|$", re.M)


def _rows() -> dict[str, tuple[str, set[str]]]:
    text = DOC.read_text(encoding="utf-8")
    return {m[1]: (m[2], {r.strip() for r in m[3].split(",")}) for m in ROW.finditer(text)}


def test_role_matrix_matches_the_code() -> None:
    from govern.api import ROLE_MATRIX

    rows = _rows()
    assert set(rows) == set(ROLE_MATRIX)
    assert {action: roles for action, (_, roles) in rows.items()} == {a: set(r) for a, r in ROLE_MATRIX.items()}


def test_every_route_is_in_the_matrix_table() -> None:
    from govern.api import _admin, _approvals, _incidents, _ledger, _models, _openlineage, _reports

    documented = " ".join(routes for routes, _ in _rows().values())
    missing = []
    for module in (_models, _approvals, _ledger, _reports, _admin, _incidents):
        for route in module.router.routes:
            for method in route.methods:  # type: ignore[attr-defined]
                path = "/v1" + route.path.replace(":path", "")  # type: ignore[attr-defined]
                if f"`{method} {path}`" not in documented:
                    missing.append(f"{method} {path}")
    for route in _openlineage.router.routes:
        for method in route.methods:  # type: ignore[attr-defined]
            path = _openlineage.OPENLINEAGE_PREFIX + route.path  # type: ignore[attr-defined]
            if f"`{method} {path}`" not in documented:
                missing.append(f"{method} {path}")
    assert missing == []
