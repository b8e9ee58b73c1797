"""Which code each benchmark page measures, and the stamp tying a page to that code.

Every page ``docs/benchmarks-<name>.md`` carries one line

    <!-- measured: sources <sha256> at commit <sha> -->

whose digest covers the files of ``MEASURES[name]`` as they were when the page's figures were
taken. ``tests/unit/test_bench_pages.py`` recomputes the digest from the working tree: a page
whose measured code changed since is stale, and the test fails naming the bench to rerun.

    python bench/_pages.py stamp NAME [--at COMMIT]   # after recording a run of bench/NAME.py
    python bench/_pages.py check                      # which pages are stale

``--at`` computes the digest of the sources as they were at ``COMMIT`` (``git show``): for a page
whose figures were taken at that commit.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# page -> the code whose speed it records (directories: every file in them), and its bench
MEASURES: dict[str, tuple[str, ...]] = {
    "lineage": ("govern/lineage", "bench/lineage.py"),
    "ledger": ("govern/ledger", "govern/store/_db.py", "bench/ledger.py"),
    "policy": ("govern/policy", "bench/policy.py"),
    "checks": ("govern/checks", "govern/stats", "bench/checks.py"),
    "scale": ("govern/stats", "govern/checks/_streamed.py", "bench/scale.py", "bench/_scale_data.py"),
    "gate": ("govern/policy", "govern/decisions", "govern/workspace", "bench/gate.py"),
    "cold": ("govern/__init__.py", "govern/__main__.py", "govern/cli", "govern/core", "bench/cold.py"),
    "api": ("govern/api", "govern/decisions", "bench/api.py"),
    "report": ("govern/reports", "bench/report.py"),
}
STAMP = re.compile(r"<!-- measured: sources ([0-9a-f]{64}) at commit (\S+) -->")


def _files(name: str, commit: str | None) -> list[str]:
    """The measured files (paths relative to the repository), sorted."""
    out: list[str] = []
    for entry in MEASURES[name]:
        if commit is not None:
            listed = subprocess.run(
                ["git", "ls-tree", "-r", "--name-only", commit, "--", entry],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            out += listed
        elif (ROOT / entry).is_dir():
            out += [str(p.relative_to(ROOT)) for p in (ROOT / entry).rglob("*") if p.is_file()]
        elif (ROOT / entry).is_file():
            out.append(entry)
    return sorted(p for p in set(out) if "__pycache__" not in p and not p.endswith(".pyc"))


def digest(name: str, commit: str | None = None) -> str:
    """SHA-256 over the measured files' paths and bytes, from the working tree or at ``commit``."""
    h = hashlib.sha256()
    for path in _files(name, commit):
        if commit is None:
            data = (ROOT / path).read_bytes()
        else:
            data = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, check=True).stdout
        h.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def page(name: str) -> Path:
    return DOCS / f"benchmarks-{name}.md"


def stamp(name: str, commit: str | None = None) -> str:
    """Write (or replace) the page's stamp line; returns it."""
    at = (
        commit
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    line = f"<!-- measured: sources {digest(name, commit)} at commit {at or '?'} -->"
    path = page(name)
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks: {name}\n"
    text = "\n".join(x for x in text.splitlines() if not STAMP.search(x)).rstrip("\n") + f"\n\n{line}\n"
    path.write_text(text, encoding="utf-8")
    return line


def stamp_if_page(name: str, written: Path) -> None:
    """Stamp ``written`` when it is the page of ``name`` (a bench run recording its figures)."""
    if written.resolve() == page(name).resolve():
        print(stamp(name))


def stale() -> dict[str, str]:
    """Pages whose stamp is missing or no longer matches their measured code: name -> reason."""
    out: dict[str, str] = {}
    for name in MEASURES:
        path = page(name)
        found = STAMP.findall(path.read_text(encoding="utf-8")) if path.exists() else []
        if len(found) != 1:
            out[name] = f"{path.relative_to(ROOT)} has {len(found)} stamp lines (need one)"
        elif found[0][0] != digest(name):
            out[name] = (
                f"{path.relative_to(ROOT)} was measured at commit {found[0][1]}; the code it measures "
                f"({', '.join(MEASURES[name])}) changed since: rerun `python bench/{name}.py`, record it, "
                f"then `python bench/_pages.py stamp {name}`"
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("stamp")
    one.add_argument("name", choices=sorted(MEASURES))
    one.add_argument("--at", default=None, help="the commit the page's figures were taken at")
    sub.add_parser("check")
    args = parser.parse_args()
    if args.command == "stamp":
        print(stamp(args.name, args.at))
        return 0
    problems = stale()
    for reason in problems.values():
        print(reason)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
