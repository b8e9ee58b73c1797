"""Cold CLI start: ``govern --help`` and a cold ``govern gate promote`` over recorded measurements.

    python bench/cold.py [--rows 100000] [--runs 7] [--workdir DIR] [--output FILE] [--no-save]

Goals (issue 17): ``govern --help`` under 0.25 s and a cold gate of the ~20-rule demo model under
0.4 s (median) when its measurements are already recorded (the gate re-judges the newest
decision's measurements on identical inputs: the usual CI re-run). The workspace is the one
``bench/gate.py`` builds; one gate records the measurements before anything is timed.

Anchors, measured in the same run with the same method (median of ``--runs`` new processes,
interleaved with the govern commands so load changes hit all alike): ``python -c pass``
(interpreter start), ``python -c "import sqlalchemy"`` (the store's own floor) and the dependency
floor (``FLOOR``: the libraries any cold gate imports). Bytecode caches
are written and warmed first (``PYTHONDONTWRITEBYTECODE`` is dropped), as in an installed govern.
The script ends with the ``python -X importtime`` top entries of both commands and the heavy
libraries each imports (none of pandas, numpy, scipy, sklearn, skops, pyarrow, fastapi, mlflow,
alembic should appear).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import importtime, save  # noqa: E402
from bench.gate import _env, _govern, _ms, build_workspace, gate_argv  # noqa: E402

GOALS = {"help": 0.25, "gate": 0.4}
# What a cold gate must import whatever govern does: the store's ORM and table models, the CLI
# parser (Typer builds a pydantic adapter per parameter), the policy YAML parser, the CEL engine.
FLOOR = "import sqlalchemy.orm, sqlmodel, typer._adapters, yaml, cel_expr_python"
HEAVY = ("pandas", "numpy", "scipy", "sklearn", "skops", "pyarrow", "fastapi", "mlflow", "alembic")


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import sqlalchemy": [sys.executable, "-c", "import sqlalchemy"],
        "dependency floor": [sys.executable, "-c", FLOOR],
        "help": [*_govern(), "--help"],
        "gate": gate_argv(),
    }


def run(argv: list[str], env: dict[str, str], ok: tuple[int, ...]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="evaluation rows of the workspace")
    parser.add_argument("--runs", type=int, default=7, help="new processes per figure")
    parser.add_argument("--workdir", type=Path, default=None, help="keep (or reuse) the workspace here")
    parser.add_argument("--output", type=Path, default=None, help="write the Markdown page here")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/out/cold.json (smoke runs)")
    args = parser.parse_args()

    root = args.workdir or Path(tempfile.mkdtemp(prefix="govern-bench-cold-"))
    workspace = root / ".govern"
    if not (workspace / "govern.db").exists():
        t0 = time.perf_counter()
        build_workspace(root, args.rows)
        print(f"workspace with {args.rows:,} evaluation rows built in {time.perf_counter() - t0:.1f} s: {workspace}")
    env = _env(workspace)
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    from govern.decisions import EXIT_CODES

    ok = tuple(sorted(set(EXIT_CODES.values())))  # any decision; 2 (cannot run) is a failure
    argvs = commands()
    for argv in argvs.values():  # records the measurements, writes and warms the bytecode caches
        run(argv, env, ok)
    samples: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(args.runs):
        for name, argv in argvs.items():
            samples[name].append(run(argv, env, ok))
    median = {name: statistics.median(s) for name, s in samples.items()}
    imports = {name: importtime(argvs[name], env) for name in ("help", "gate")}

    rows = [
        "| figure | govern | anchor `python -c pass` | anchor `import sqlalchemy` | ratio to `import sqlalchemy` | goal |",
        "|---|---:|---:|---:|---:|---|",
    ]
    labels = {"help": "`govern --help`", "gate": "cold `govern gate promote`, 20 rules, recorded measurements"}
    for name in ("help", "gate"):
        met = "met" if median[name] < GOALS[name] else "**missed**"
        rows.append(
            f"| {labels[name]}, median of {args.runs} | {_ms(median[name])} | {_ms(median['python -c pass'])} | "
            f"{_ms(median['import sqlalchemy'])} | {median[name] / median['import sqlalchemy']:.2f}x | "
            f"< {GOALS[name]} s: {met} |"
        )
    floor = median["dependency floor"]
    lines = [
        *rows,
        "",
        f'- dependency floor (`python -c "{FLOOR}"`, same run): {_ms(floor)}, '
        f"{floor / median['import sqlalchemy']:.2f}x `import sqlalchemy`; the cold gate spends "
        f"{_ms(median['gate'] - floor)} beyond it (govern's own imports and the gate's work)",
    ]
    for name in ("help", "gate"):
        top = sorted((r for r in imports[name] if r[2] == 0), key=lambda r: -r[1])[:8]
        heavy = sorted({m for m, _, _ in imports[name] if m in HEAVY})
        lines.append(
            f"- `-X importtime` {labels[name]}, top-level imports: "
            + ", ".join(f"{m} {_ms(s)}" for m, s, _ in top)
            + f"; heavy libraries imported: {', '.join(heavy) or 'none'}"
        )
    lines.append("- runs (s): " + "; ".join(f"{n} " + ", ".join(f"{s:.2f}" for s in samples[n]) for n in samples))
    text = "\n".join(lines)
    print(text)

    if args.output:
        args.output.write_text(
            "# Cold CLI start (`bench/cold.py`)\n\n"
            f"    python bench/cold.py --rows {args.rows} --runs {args.runs}\n\n" + text + "\n",
            encoding="utf-8",
        )
        from bench._pages import stamp_if_page

        stamp_if_page("cold", args.output)
    if not args.no_save:
        print(f"\nresults: {save('cold', {'rows': args.rows, 'median_s': median, 'runs_s': samples})}")


if __name__ == "__main__":
    main()
