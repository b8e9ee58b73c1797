"""`make bench`: run every benchmark, then rewrite docs/benchmarks.md from their result pages.

Each bench/<name>.py writes docs/benchmarks-<name>.md (its tables: each figure beside its anchor
measured in the same run, and the ratio). This script runs them in turn and folds those pages
into docs/benchmarks.md under one header naming the machine, the versions and the date.

    python bench/run_all.py [--only lineage,ledger,...] [--skip-run]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ORDER = ["lineage", "ledger", "policy", "checks", "scale", "gate", "cold", "api", "report"]
ARGS: dict[str, list[str]] = {
    "checks": ["--output", "docs/benchmarks-checks.md"],
    "scale": ["--output", "docs/benchmarks-scale.md"],
    "cold": ["--output", "docs/benchmarks-cold.md"],
}
PACKAGES = [
    "numpy",
    "scipy",
    "pandas",
    "fairlearn",
    "shap",
    "scikit-learn",
    "lightgbm",
    "cel-expr-python",
    "sqlalchemy",
    "psycopg",
    "fastapi",
    "uvicorn",
    "weasyprint",
    "cryptography",
    "pyarrow",
    "duckdb",
    "pyspark",
    "dask",
    "ray",
]


def header() -> str:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        "# Benchmarks\n\n"
        "Every figure is printed beside an anchor measured in the same run on the same machine, and "
        "their ratio; absolute times move with the machine's load, ratios much less. Rerun with "
        "`make bench` (this page is rewritten from the `docs/benchmarks-*.md` pages each benchmark writes). "
        "Each page is stamped with a digest of the code it measures (`bench/_pages.py`), and "
        "`tests/unit/test_bench_pages.py` fails once that code changes until the page is re-measured.\n\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}\n"
        f"- Python {platform.python_version()}; {', '.join(versions)}\n"
        f"- written: {time.strftime('%Y-%m-%d')}\n\n"
    )


def fold() -> None:
    parts = [header()]
    for name in ORDER:
        page = DOCS / f"benchmarks-{name}.md"
        if not page.exists():
            parts.append(f"## {name}\n\nnot measured yet: run `python bench/{name}.py`.\n\n")
            continue
        body = page.read_text(encoding="utf-8").strip().splitlines()
        title = body[0].lstrip("# ").replace("Benchmarks: ", "").strip() if body and body[0].startswith("#") else name
        rest = "\n".join(line.replace("# ", "### ", 1) if line.startswith("## ") else line for line in body[1:])
        parts.append(
            f"## {title}\n{rest}\n\nSource: [benchmarks-{name}.md](benchmarks-{name}.md), `bench/{name}.py`.\n\n"
        )
    (DOCS / "benchmarks.md").write_text("".join(parts), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=",".join(ORDER))
    parser.add_argument("--skip-run", action="store_true", help="only rewrite docs/benchmarks.md")
    args = parser.parse_args()
    if not args.skip_run:
        for name in args.only.split(","):
            script = ROOT / "bench" / f"{name}.py"
            if not script.exists():
                continue
            print(f"== bench/{name}.py", flush=True)
            result = subprocess.run([sys.executable, str(script), *ARGS.get(name, [])], cwd=ROOT)
            if result.returncode != 0:
                print(f"bench/{name}.py failed with exit {result.returncode}", file=sys.stderr)
    fold()
    print(DOCS / "benchmarks.md")


if __name__ == "__main__":
    main()
