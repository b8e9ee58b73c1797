"""The room diagram, enforced on the source (AST and text only: nothing is imported).

docs/architecture.md draws the same diagram. A room may import only the rooms listed for it in
ALLOWED, and only through their package ``__init__`` (never ``govern.<room>._module``); it never
names another room's tables, neither through an import nor in raw SQL; ``govern.store`` is
imported for its engine, sessions, column types and migration plumbing only; and every table a
room declares is created by that room's own migrations.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

GOVERN = Path(__file__).resolve().parents[2] / "govern"

# room -> the rooms it may import (besides itself, and the root package for __version__).
# Derived from DESIGN.md's diagram and the code as it is; stats and measurements are the rooms
# other work adds (stats -> core, evidence, measurements; measurements -> core).
_BASE = {"core", "store"}
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "store": {"core"},
    "measurements": {"core"},
    "cards": {"core"},
    "llm": {"core"},
    "policy": {"core", "measurements"},
    "ledger": _BASE,
    "lineage": _BASE | {"ledger"},
    "evidence": _BASE | {"ledger", "lineage", "llm"},
    "stats": {"core", "evidence", "measurements"},
    "identity": _BASE | {"ledger"},
    "webhooks": _BASE | {"ledger"},
    "reviews": _BASE | {"identity", "ledger", "lineage"},
    "incidents": _BASE | {"evidence", "identity", "ledger", "lineage"},
    "checks": {"core", "cards", "evidence", "llm", "measurements", "stats"},
    "registry": _BASE | {"cards", "decisions", "ledger", "lineage"},
    "decisions": _BASE
    | {
        "cards",
        "checks",
        "evidence",
        "identity",
        "incidents",
        "ledger",
        "lineage",
        "measurements",
        "policy",
        "reviews",
        "stats",
        "webhooks",
    },
    "reports": _BASE | {"cards", "decisions", "evidence", "incidents", "ledger", "lineage", "measurements", "policy"},
    "workspace": _BASE
    | {
        "checks",
        "decisions",
        "evidence",
        "identity",
        "ledger",
        "lineage",
        "measurements",
        "policy",
        "registry",
        "reports",
        "webhooks",
    },
    "api": _BASE
    | {
        "api.web",
        "decisions",
        "evidence",
        "identity",
        "incidents",
        "ledger",
        "lineage",
        "reports",
        "webhooks",
        "workspace",
    },
    "api.web": _BASE | {"api", "decisions", "identity", "incidents", "ledger", "lineage", "reports"},
    "demo": _BASE
    | {"api", "cards", "decisions", "evidence", "incidents", "ledger", "lineage", "reports", "reviews", "workspace"},
    "cli": None,  # type: ignore[dict-item]  # any room's public API
    "govern": None,  # type: ignore[dict-item]  # the root package (__main__ starts the CLI)
}

# Known violations, each with its follow-up. Entries are (file, what).
ALLOW_LIST: set[tuple[str, str]] = set()


def _store_api() -> set[str]:
    """``govern.store.__all__``: engine, sessions, column types and migration plumbing only."""
    tree = ast.parse((GOVERN / "store" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return {str(name) for name in ast.literal_eval(node.value)}
    raise AssertionError("govern/store/__init__.py has no __all__")


STORE_API = _store_api()


def room_of(path: Path) -> str:
    parts = path.relative_to(GOVERN).parts
    if len(parts) == 1:
        return "govern"
    if parts[0] == "api" and len(parts) > 2 and parts[1] == "web":
        return "api.web"
    return parts[0]


def _room_of_module(module: str) -> tuple[str, list[str]]:
    """The room a dotted ``govern...`` module belongs to, and the module path inside it."""
    parts = module.split(".")[1:]
    if not parts:
        return "govern", []
    if parts[0] == "api" and len(parts) > 1 and parts[1] == "web":
        return "api.web", parts[2:]
    return parts[0], parts[1:]


def _package_of(path: Path) -> list[str]:
    rel = path.relative_to(GOVERN.parent).with_suffix("").parts
    return list(rel[:-1])


def _is_module(dotted: str) -> bool:
    path = GOVERN.parent.joinpath(*dotted.split("."))
    return (path / "__init__.py").is_file() or path.with_suffix(".py").is_file()


def imports(path: Path, text: str | None = None) -> Iterator[tuple[str, list[str], int]]:
    """(absolute module, names imported from it, line) for every govern import in ``path``
    (whose source is ``text`` when given)."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text)
    package = _package_of(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "govern":
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "govern":
                continue
            names = [a.name for a in node.names]
            subpackages = [n for n in names if _is_module(f"{module}.{n}")]
            for n in subpackages:  # ``from govern.api import web`` imports the module govern.api.web
                yield f"{module}.{n}", [], node.lineno
            rest = [n for n in names if n not in subpackages]
            if rest or not subpackages:
                yield module, rest, node.lineno


def sources() -> list[Path]:
    return sorted(p for p in GOVERN.rglob("*.py") if "migrations" not in p.relative_to(GOVERN).parts)


def table_owners() -> dict[str, str]:
    """Table name -> the room whose ``_tables.py`` declares it."""
    owners: dict[str, str] = {}
    for path in GOVERN.rglob("_tables.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__tablename__" for t in node.targets
            ):
                assert isinstance(node.value, ast.Constant)
                owners[str(node.value.value)] = room_of(path)
    return owners


@functools.cache
def violations(files: tuple[tuple[Path, str], ...] | None = None) -> list[tuple[str, str, str]]:
    """(file, what, why) for every breach of the diagram, in every source (or in ``files``:
    (path in the package, source text) pairs)."""
    found: list[tuple[str, str, str]] = []
    owners = table_owners()
    sql = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(\w+)", re.IGNORECASE)
    for path, text in files or tuple((p, p.read_text(encoding="utf-8")) for p in sources()):
        rel = str(path.relative_to(GOVERN))
        room = room_of(path)
        allowed = ALLOWED[room]
        for module, names, line in imports(path, text):
            target, inner = _room_of_module(module)
            if target == room:
                continue
            where = f"{rel}:{line}"
            if target != "govern" and allowed is not None and target not in allowed:
                found.append((rel, f"import:{module}", f"{where}: {room} may not import {target}"))
            if any(part.startswith("_") for part in inner):
                found.append((rel, f"private:{module}", f"{where}: {module} is private to {target}"))
            private_names = [n for n in names if n.startswith("_") and n != "__version__"]
            if private_names:
                found.append((rel, f"private:{module}", f"{where}: imports private {private_names} of {target}"))
            if target == "store":
                for name in names:
                    if name not in STORE_API:
                        found.append((rel, f"govern.store:{name}", f"{where}: govern.store exports no table ({name})"))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for table in sql.findall(node.value):
                    owner = owners.get(table)
                    if owner is not None and owner != room:
                        found.append((rel, f"sql:{table}", f"{rel}:{node.lineno}: raw SQL on {owner}'s table {table}"))
    return found


def test_store_exports_no_table() -> None:
    expected = {"Store", "normalize_url", "migration_dirs", "UTCDateTime", "JSONType", "BigIntPK", "table_of", "codes"}
    assert expected == STORE_API


def test_every_room_is_in_the_diagram() -> None:
    rooms = {room_of(p) for p in sources()}
    assert rooms <= set(ALLOWED), f"rooms missing from ALLOWED: {sorted(rooms - set(ALLOWED))}"


def test_rooms_import_only_what_the_diagram_allows() -> None:
    breaches = [why for rel, what, why in violations() if (rel, what) not in ALLOW_LIST]
    assert breaches == []


def test_the_allow_list_has_no_stale_entries() -> None:
    """Once a follow-up is done its allow-list entry must go, so the list only ever shrinks."""
    current = {(rel, what) for rel, what, _ in violations()}
    assert ALLOW_LIST - current == set()


def test_the_diagram_is_acyclic() -> None:
    """No cycle between rooms. The one parent -> child edge (``api`` mounts the ``api.web`` router
    in ``create_app``, lazily) is not a dependency of the API on the inbox and is left out."""
    graph = {
        room: {d for d in deps if not d.startswith(room + ".")} for room, deps in ALLOWED.items() if deps is not None
    }
    state: dict[str, int] = {}

    def visit(room: str, trail: list[str]) -> None:
        if state.get(room) == 1:
            pytest.fail(f"cycle: {' -> '.join([*trail, room])}")
        if state.get(room) == 2:
            return
        state[room] = 1
        for dep in sorted(graph.get(room, set())):
            visit(dep, [*trail, room])
        state[room] = 2

    for room in sorted(graph):
        visit(room, [])


def test_each_room_creates_its_own_tables() -> None:
    """The tables in ``<room>/_tables.py`` are exactly those its ``<room>/migrations`` create."""
    owners = table_owners()
    created: dict[str, str] = {}
    create = re.compile(r"op\.create_table\(\s*['\"](\w+)['\"]")
    for migration in GOVERN.rglob("migrations/*.py"):
        room = room_of(migration.parent / "x.py")
        for table in create.findall(migration.read_text(encoding="utf-8")):
            assert table not in created, f"{table} is created twice"
            created[table] = room
    assert created == owners


def test_the_checker_catches_a_breach(tmp_path: Path) -> None:
    """The AST walk sees relative, absolute and ``from package import module`` forms."""
    probe = GOVERN / "reports" / "_probe.py"  # never written: the checker reads the text given
    text = (
        "from govern.store import Store\n"
        "from govern.decisions._tables import DecisionRow\n"
        "from ..ledger import _log\n"
        "from govern import stats\n"
        "Q = 'SELECT seq FROM ledger_entry'\n"
    )
    found = {what for rel, what, _ in violations(((probe, text),))}
    assert found == {
        "private:govern.decisions._tables",
        "private:govern.ledger._log",
        "import:govern.stats",
        "sql:ledger_entry",
    }, found
    assert _room_of_module("govern.api.web._views") == ("api.web", ["_views"])
    assert room_of(GOVERN / "api" / "web" / "_routes.py") == "api.web"


def test_docs_architecture_lists_the_same_rooms_and_imports() -> None:
    """docs/architecture.md's table of rooms says what ALLOWED says (the map is the territory)."""
    doc = (GOVERN.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z.]+)` \|[^|]*\|[^|]*\| ([^|]+) \|$", doc, re.MULTILINE)
    documented = {room: {d.strip() for d in deps.split(",")} for room, deps in rows}
    expected = {
        room: ({"any room's public API"} if deps is None else deps or {"nothing of govern"})
        for room, deps in ALLOWED.items()
        if room != "govern"
    }
    assert documented == expected


def test_pushed_event_kinds_are_written_only_through_decisions_audit() -> None:
    """``decisions.audit`` appends and queues for webhooks; the other rooms append with
    ``ledger.record``, which queues nothing. So a webhook kind written by ``record`` outside the
    decisions room would silently never be pushed."""
    from govern.webhooks import WEBHOOK_KINDS

    written: dict[str, str] = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in ("record", "ledger_record"):
                continue
            for kw in node.keywords:
                if kw.arg == "kind" and isinstance(kw.value, ast.Constant):
                    written[str(kw.value.value)] = str(path.relative_to(GOVERN))
    assert {"lineage.ingested", "evidence.added", "token.created", "webhook.subscribed"} <= set(written)
    assert {k: f for k, f in written.items() if k in WEBHOOK_KINDS} == {}
