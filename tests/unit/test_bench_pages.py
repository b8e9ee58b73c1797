"""A benchmark page is never older than the code it measures (bench/_pages.py stamps each page)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _pages_module(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_pages", root / "bench" / "_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT, module.DOCS = root, root / "docs"
    return module


def test_every_benchmark_page_is_stamped_with_the_code_it_measured() -> None:
    pages = _pages_module(ROOT)
    assert pages.stale() == {}, "\n".join(pages.stale().values())
    assert set(pages.MEASURES) == {p.stem.removeprefix("benchmarks-") for p in (ROOT / "docs").glob("benchmarks-*.md")}


def test_a_change_to_measured_code_makes_its_page_stale(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for name in ("bench/_pages.py", "bench/ledger.py", "docs/benchmarks-ledger.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "govern" / "ledger", root / "govern" / "ledger", ignore=skip)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "measured"], cwd=root, check=True)
    pages = _pages_module(root)
    pages.MEASURES = {"ledger": pages.MEASURES["ledger"]}
    pages.stamp("ledger", None)
    assert pages.stale() == {}
    target = root / "govern" / "ledger" / "__init__.py"
    target.write_text(target.read_text() + "\n# changed\n")
    assert "rerun `python bench/ledger.py`" in pages.stale()["ledger"]
    pages.stamp("ledger", "HEAD")  # the figures were taken at the commit: its sources, not the tree's
    assert "ledger" in pages.stale()
    pages.stamp("ledger", None)  # re-measured: fresh again
    assert pages.stale() == {}
    (root / "docs" / "benchmarks-ledger.md").write_text("# no stamp\n")
    assert "0 stamp lines" in pages.stale()["ledger"]
