"""Gate latency: cold ``govern gate promote`` from a new process, and warm in-process gate calls.

    python bench/gate.py [--rows 100000] [--cold 5] [--warm 20] [--workdir DIR]

Goal (issue 6): cold under 1 s for ~20 rules over a 100,000-row evaluation table; warm under
100 ms. The workspace holds the demo's logistic-regression credit model (high tier: the shipped
packs give it ~20 rules) with a ``--rows``-row evaluation table scored by that model and its
precomputed SHAP values as ``explanation`` evidence (so explainability reads a table instead of
running an explainer: honest, bounded work).

Anchors, measured in the same run with the same method (median of ``--cold`` new processes):
``python -c pass`` (interpreter start) and ``govern --help`` (the CLI's own import cost). The
script ends with the ``python -X importtime`` top imports of one cold gate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import importtime, save  # noqa: E402

MODEL = "credit-risk-lr@1"
HEAVY = (
    "pandas",
    "pyarrow",
    "numpy",
    "scipy",
    "scipy.stats",
    "sklearn",
    "fairlearn",
    "shap",
    "skops",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "cel_expr_python",
    "google.protobuf",
    "cryptography",
    "typer",
    "rich",
    "weasyprint",
    "fastapi",
    "lightgbm",
    "yaml",
    "networkx",
)


def build_workspace(root: Path, rows: int) -> Path:
    """The demo's world, with a ``rows``-row evaluation table and its SHAP values for the LR model."""
    from govern.demo import demo_card
    from govern.demo._data import FINANCIAL, applications
    from govern.demo._scenario import _eval_table, _linear_shap, build
    from govern.evidence import load_model
    from govern.lineage import ModelSpec
    from govern.workspace import Workspace

    files = build(root / "files", small=True)
    model = load_model(files.lr_model)
    frame = applications(rows, seed=404)
    evaluation, explanation = root / "eval_big.csv", root / "shap_big.csv"
    _eval_table(frame, model, frame[FINANCIAL]).to_csv(evaluation, index=False)
    _linear_shap(model, frame.sample(n=min(rows, 3000), random_state=0), frame).to_csv(explanation, index=False)

    path = root / ".govern"
    ws = Workspace.init(path)
    ws.actor = "ci-bot"
    try:
        ws.ingest([files.manifest])
        ws.register_model(
            ModelSpec(
                name="credit-risk-lr",
                version="1",
                run="train-lr-2024-03",
                owner="bob",
                tags={"use_case": "credit"},
                use_case="credit",
                card=demo_card("credit-risk-lr", "1"),
                framework="sklearn",
            )
        )
        mapping = {"label": "outcome", "prediction": "prediction", "score": "score", "sensitive": ["sex", "race"]}
        ws.add_evidence(MODEL, "evaluation", evaluation, mapping=mapping)
        ws.add_evidence(MODEL, "model", files.lr_model)
        ws.add_evidence(MODEL, "reference", files.reference)
        ws.add_evidence(MODEL, "explanation", explanation)
    finally:
        ws.close()
    return path


def _env(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env.update(GOVERN_WORKSPACE=str(workspace), GOVERN_ACTOR="ci-bot", PYTHONPATH=str(ROOT))
    return env


def _govern() -> list[str]:
    return [sys.executable, "-m", "govern"]


def gate_argv() -> list[str]:
    return [
        *_govern(),
        "gate",
        "promote",
        MODEL,
        "--to",
        "production",
        "--format",
        "json",
        "--output",
        os.devnull,
        "--no-progress",
    ]


def cold(argv: list[str], env: dict[str, str], n: int, *, ok: tuple[int, ...] = (0,)) -> list[float]:
    """Wall seconds of ``n`` new processes running ``argv`` (exit code checked)."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        out.append(time.perf_counter() - t0)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return out


def warm(workspace: Path, n: int) -> tuple[list[float], Any]:
    """Seconds of ``n`` in-process gate calls on one open workspace, after one warm-up call."""
    from govern.workspace import Workspace

    os.environ["GOVERN_ACTOR"] = "ci-bot"
    with Workspace.open(workspace) as ws:
        first = time.perf_counter()
        decision = ws.gate_promote(MODEL, "production")
        first = time.perf_counter() - first
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            decision = ws.gate_promote(MODEL, "production")
            samples.append(time.perf_counter() - t0)
    return [first, *samples], decision


PHASES = """
import json, sys, time
t0 = time.perf_counter()
import govern.cli
from govern.workspace import Workspace
t1 = time.perf_counter()
ws = Workspace.open(sys.argv[1])
t2 = time.perf_counter()
ws.packs
t3 = time.perf_counter()
import numpy, pandas
t4 = time.perf_counter()
decision = ws.gate_promote(sys.argv[2], "production")
t5 = time.perf_counter()
from govern.decisions import render
render(decision, "json")
t6 = time.perf_counter()
print(json.dumps({"import the CLI and the workspace": t1 - t0, "open the workspace (schema check)": t2 - t1,
                  "load and compile the policy packs": t3 - t2, "import numpy and pandas": t4 - t3,
                  "gate: read evidence, run checks, judge, ledger": t5 - t4, "render JSON": t6 - t5}))
"""


def phases(workspace: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds of each stage of one cold gate, in a new process, in the order the CLI runs them."""
    proc = subprocess.run(
        [sys.executable, "-c", PHASES, str(workspace), MODEL], env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_times(env: dict[str, str]) -> list[tuple[str, float, int]]:
    """(module, cumulative seconds, depth) for every import of one cold gate, from ``-X importtime``."""
    return importtime(gate_argv(), env)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="evaluation rows")
    parser.add_argument("--cold", type=int, default=5, help="new processes per cold figure")
    parser.add_argument("--warm", type=int, default=20, help="in-process gate calls")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the workspace here")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/out/gate.json (smoke runs)")
    args = parser.parse_args()

    root = args.workdir or Path(tempfile.mkdtemp(prefix="govern-bench-gate-"))
    t0 = time.perf_counter()
    workspace = build_workspace(root, args.rows)
    print(f"workspace with {args.rows:,} evaluation rows built in {time.perf_counter() - t0:.1f} s: {workspace}")
    env = _env(workspace)

    from govern.decisions import EXIT_CODES

    ok = tuple(sorted(set(EXIT_CODES.values())))  # any answer; 2 (bad input) is a failure
    python_pass = statistics.median(cold([sys.executable, "-c", "pass"], env, args.cold))
    cli_help = statistics.median(cold([*_govern(), "--help"], env, args.cold))
    gate_runs = cold(gate_argv(), env, args.cold, ok=ok)
    gate_cold = statistics.median(gate_runs)
    warm_runs, decision = warm(workspace, args.warm)
    warm_median = statistics.median(warm_runs[1:])
    warm_p95 = sorted(warm_runs[1:])[max(0, int(len(warm_runs[1:]) * 0.95) - 1)]

    rules = len(decision.findings)
    print(f"\ngate: {MODEL} -> production, {rules} rules, {args.rows:,} evaluation rows; outcome {decision.outcome}")
    print(f"{'figure':<46} {'value':>10} | {'anchor':<26} {'value':>10} | ratio  goal")
    print(
        f"{f'cold govern gate promote (median of {args.cold})':<46} {_ms(gate_cold):>10} | "
        f"{'python -c pass':<26} {_ms(python_pass):>10} | {gate_cold / python_pass:5.1f}x "
        f"{'< 1 s: met' if gate_cold < 1 else '< 1 s: MISSED'}"
    )
    print(f"{'':<46} {'':>10} | {'govern --help':<26} {_ms(cli_help):>10} | {gate_cold / cli_help:5.1f}x")
    print(
        f"{f'warm in-process gate (median of {args.warm})':<46} {_ms(warm_median):>10} | "
        f"{'first in-process call':<26} {_ms(warm_runs[0]):>10} | {warm_median / warm_runs[0]:5.2f}x "
        f"{'< 100 ms: met' if warm_median < 0.1 else '< 100 ms: MISSED'}"
    )
    print(f"{'warm in-process gate (p95)':<46} {_ms(warm_p95):>10} |")
    print(f"cold runs (s): {', '.join(f'{s:.2f}' for s in gate_runs)}")

    stages = phases(workspace, env)
    print("\none cold gate, stage by stage (new process):")
    for name, seconds in stages.items():
        print(f"    {name:<48} {_ms(seconds):>10}")

    imports = import_times(env)
    total = sum(s for _, s, depth in imports if depth == 0)
    print(f"\npython -X importtime, one cold gate: {total:.2f} s in top-level imports")
    print("  top-level imports by cumulative time:")
    for name, seconds, _ in sorted((r for r in imports if r[2] == 0), key=lambda r: -r[1])[:12]:
        print(f"    {name:<40} {_ms(seconds):>10}")
    first_seen: dict[str, float] = {}
    for name, seconds, _ in imports:
        if name in HEAVY and name not in first_seen:
            first_seen[name] = seconds
    print("  heavy libraries imported on the gate path (cumulative, where first imported):")
    for name, seconds in sorted(first_seen.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<40} {_ms(seconds):>10}")

    if args.no_save:
        return
    path = save(
        "gate",
        {
            "rows": args.rows,
            "rules": rules,
            "outcome": decision.outcome,
            "cold_gate_s": gate_cold,
            "cold_gate_runs_s": gate_runs,
            "python_pass_s": python_pass,
            "govern_help_s": cli_help,
            "warm_median_s": warm_median,
            "warm_p95_s": warm_p95,
            "warm_first_s": warm_runs[0],
            "cold_stages_s": stages,
            "heavy_imports_s": first_seen,
            "top_level_imports_s": total,
        },
    )
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
