"""Benchmarks of the checks against their reference libraries, on the same inputs.

    python bench/checks.py [--scale 1.0] [--output docs/benchmarks-checks.md]

1. fairness, 1,000,000 rows x 4 groups: govern (point metrics; 1,000 bootstrap replicates)
   vs fairlearn MetricFrame with the same metrics (goal: >= 50x; bootstrap < 10 s)
2. drift, 100,000 x 20 numeric: govern vs Evidently DataDriftPreset, run in its own venv
   (/tmp/evidently-venv, pandas 2) as a subprocess (goal: >= 10x)
3. drift, 50 features x 1,000,000 rows (reference and current each): govern (goal: < 3 s, p-values as scipy's)
4. performance (AUC) with 1,000 bootstrap replicates from the partials of 1,000,000 rows of
   continuous scores: govern vs scikit-learn's roc_auc_score with Poisson row weights (the same
   bootstrap row by row, timed on a few replicates; goal < 10 s)
5. SHAP, 10,000 rows of a LightGBM model: govern vs shap's TreeExplainer directly
Peak memory: tracemalloc peak of the measured call (numpy allocations are traced).
``--scale`` shrinks every size (the smoke test uses 0.01).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVIDENTLY_VENV = Path(os.environ.get("EVIDENTLY_VENV", "/tmp/evidently-venv"))


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(seconds, peak MiB, result) of one call."""
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def bench_fairness(n: int) -> list[str]:
    from fairlearn import metrics as fm

    from govern.checks import fairness

    rng = np.random.default_rng(0)
    groups = rng.choice(np.array(["a", "b", "c", "d"]), n)
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < 0.3 + 0.2 * y).astype(int)
    t_point, m_point, ours = measure(lambda: fairness(y, pred, sensitive=groups, replicates=0).to_json())
    t_boot, m_boot, boot = measure(lambda: fairness(y, pred, sensitive=groups, replicates=1000).to_json())

    def reference() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fm.MetricFrame(
                metrics={
                    "selection_rate": fm.selection_rate,
                    "true_positive_rate": fm.true_positive_rate,
                    "false_positive_rate": fm.false_positive_rate,
                    "false_negative_rate": fm.false_negative_rate,
                },
                y_true=y,
                y_pred=pred,
                sensitive_features=groups,
            )

    t_ref, m_ref, frame = measure(reference)
    worst = max(
        abs(ours["per_group"][g][k] - float(frame.by_group.loc[g, k]))
        for g in frame.by_group.index
        for k in frame.by_group.columns
    )
    return [
        f"| fairness point metrics, {n:,} rows x 4 groups | {t_point:.3f} s | {m_point:.0f} MiB | fairlearn MetricFrame (4 metrics) {t_ref:.2f} s, {m_ref:.0f} MiB | {t_ref / t_point:.0f}x (goal >= 50x); max abs diff {worst:.1e} |",
        f"| fairness + 1,000 bootstrap replicates, {n:,} rows | {t_boot:.3f} s | {m_boot:.0f} MiB | goal < 10 s | CI [{boot['lower']:.4f}, {boot['upper']:.4f}] |",
    ]


EVIDENTLY_SCRIPT = textwrap.dedent(
    """
    import sys, time, numpy as np, pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset
    n, k = int(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"f{i}" for i in range(k)])
    cur = pd.DataFrame(rng.normal(0.01, 1, size=(n, k)), columns=ref.columns)
    start = time.perf_counter()
    Report([DataDriftPreset()]).run(cur, ref)
    print(time.perf_counter() - start)
    """
)


def _evidently(n: int, k: int) -> tuple[float | None, str]:
    python = EVIDENTLY_VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(EVIDENTLY_VENV)], capture_output=True, text=True)
        if made.returncode != 0:
            return None, f"cannot create {EVIDENTLY_VENV}: {made.stderr.strip()[:200]}"
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "evidently", "pandas<3"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if pip.returncode != 0:
            return (
                None,
                f"pip install evidently failed: {pip.stderr.strip().splitlines()[-1][:200] if pip.stderr.strip() else 'unknown'}",
            )
    run = subprocess.run(
        [str(python), "-c", EVIDENTLY_SCRIPT, str(n), str(k)], capture_output=True, text=True, timeout=900
    )
    if run.returncode != 0:
        return None, f"evidently failed: {(run.stderr.strip().splitlines() or ['?'])[-1][:200]}"
    return float(run.stdout.strip().splitlines()[-1]), ""


def bench_drift_vs_evidently(n: int, k: int) -> list[str]:
    import pandas as pd

    from govern.checks import drift

    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"f{i}" for i in range(k)])
    cur = pd.DataFrame(rng.normal(0.01, 1, size=(n, k)), columns=ref.columns)
    start = time.perf_counter()
    drift(ref, cur).to_json()
    t = time.perf_counter() - start  # the first call, untraced (as Evidently's is timed)
    _, m, _ = measure(lambda: drift(ref, cur).to_json())  # peak memory: tracemalloc slows numpy's allocations
    seconds, reason = _evidently(n, k)
    anchor = f"Evidently DataDriftPreset {seconds:.2f} s" if seconds is not None else f"Evidently skipped: {reason}"
    ratio = f"{seconds / t:.0f}x (goal >= 10x)" if seconds is not None else "skipped"
    return [
        f"| drift {n:,} x {k} numeric (KS, PSI, Wasserstein, JS per feature), first call, untraced; memory from a traced one | {t:.3f} s | {m:.0f} MiB | {anchor} | {ratio} |"
    ]


def bench_drift_large(n: int, k: int) -> list[str]:
    import pandas as pd
    from scipy.stats import ks_2samp

    from govern.checks import drift

    rng = np.random.default_rng(1)
    ref = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"f{i}" for i in range(k)])
    cur = pd.DataFrame(rng.normal(0.002, 1, size=(n, k)), columns=ref.columns)
    _, m, _ = measure(lambda: drift(ref, cur).to_json())  # peak memory: tracemalloc slows numpy's allocations
    start = time.perf_counter()
    result = drift(ref, cur).to_json()
    t = time.perf_counter() - start  # the time of an untraced call
    start = time.perf_counter()
    checked = [f"f{i}" for i in range(min(k, 5))]
    d_diff = p_diff = 0.0
    for name in checked:  # scipy on the first features (it takes 0.2 to 1.5 s each)
        ks = ks_2samp(ref[name].to_numpy(), cur[name].to_numpy())
        d_diff = max(d_diff, abs(ks.statistic - result["per_feature"][name]["ks_statistic"]))
        p_diff = max(p_diff, abs(ks.pvalue - result["per_feature"][name]["ks_pvalue"]))
    t_scipy = (time.perf_counter() - start) / len(checked)
    return [
        f"| drift {k} features x {n:,} rows (reference and current), untraced call; memory from a traced one | {t:.2f} s | {m:.0f} MiB | scipy ks_2samp alone, mean of {len(checked)} features, {t_scipy:.2f} s (x {k} = {t_scipy * k:.1f} s) | {t_scipy * k / t:.1f}x; goal < 3 s; vs scipy: D diff {d_diff:.1e}, p diff {p_diff:.1e} |"
    ]


def bench_performance(n: int) -> list[str]:
    import pyarrow as pa
    from sklearn.metrics import roc_auc_score

    from govern.stats import ScoreState, Spec, measure_performance

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, n)
    s = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)  # continuous, with exact 0s and 1s
    state = ScoreState(Spec(label="y", score="s")).update(pa.table({"y": y, "s": s}))
    t, m, ours = measure(lambda: measure_performance(state, metric="auc", replicates=1000))
    start = time.perf_counter()
    point = roc_auc_score(y, s)
    t_point = time.perf_counter() - start
    sample = 5
    start = time.perf_counter()
    for _ in range(sample):
        roc_auc_score(y, s, sample_weight=rng.poisson(1.0, n))
    t_rows = (time.perf_counter() - start) / sample * 1000
    distinct = len(state.distinct[0]) if state.distinct is not None else "over the cap"
    return [
        f"| performance (AUC) + 1,000 bootstrap replicates, from the partials of {n:,} rows ({distinct:,} distinct scores) | {t:.2f} s | {m:.0f} MiB | scikit-learn roc_auc_score once {t_point:.2f} s; row bootstrap {sample} replicates x 1,000 / {sample} = {t_rows:.0f} s | {t_rows / t:.0f}x; goal < 10 s; AUC diff {abs(ours.value - point):.1e}, CI [{ours.lower:.4f}, {ours.upper:.4f}] |"
    ]


def bench_shap(n: int) -> list[str]:
    import lightgbm
    import pandas as pd
    import shap

    from govern.checks import explain

    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(n, 20)), columns=[f"f{i}" for i in range(20)])
    y = (X.f0 + X.f1 * X.f2 + rng.normal(size=n) > 0).astype(int)
    model = lightgbm.LGBMClassifier(n_estimators=200, num_leaves=31, verbose=-1).fit(X, y)
    t, m, ours = measure(lambda: explain(model, X).to_json())
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = shap.TreeExplainer(model).shap_values(X)
    t_ref = time.perf_counter() - start
    values = values[-1] if isinstance(values, list) else values
    diff = max(abs(ours["importance"][c] - v) for c, v in zip(X.columns, np.abs(values).mean(axis=0), strict=True))
    return [
        f"| SHAP, LightGBM 200 trees, {n:,} rows x 20 features | {t:.2f} s | {m:.0f} MiB | shap TreeExplainer directly {t_ref:.2f} s | {t_ref / t:.2f}x; max abs diff {diff:.1e} |"
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--skip-evidently", action="store_true")
    args = parser.parse_args()
    s = args.scale
    rows = [
        "| benchmark | govern | peak memory | anchor (same run, same input) | ratio / goal |",
        "|---|---|---|---|---|",
    ]
    rows += bench_fairness(max(1000, int(1_000_000 * s)))
    if args.skip_evidently:
        global _evidently
        _evidently = lambda n, k: (None, "--skip-evidently")  # noqa: E731
    rows += bench_drift_vs_evidently(max(1000, int(100_000 * s)), 20)
    rows += bench_drift_large(max(1000, int(1_000_000 * s)), 50)
    rows += bench_performance(max(1000, int(1_000_000 * s)))
    rows += bench_shap(max(200, int(10_000 * s)))
    text = "\n".join(rows)
    print(text)
    if args.output:
        cpu = os.cpu_count()
        header = (
            "# Benchmarks: checks\n\nProduced by `python bench/checks.py --output docs/benchmarks-checks.md` "
            f"on a {cpu}-core machine shared with other jobs (timings are wall clock, one run).\n\n"
        )
        args.output.write_text(header + text + "\n", encoding="utf-8")
        from bench._pages import stamp_if_page

        stamp_if_page("checks", args.output)
    json.dumps(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
