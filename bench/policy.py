"""Policy evaluation throughput: govern (cel-expr-python) vs cel-python interpreted, same rules, same run.

Workload: a portfolio of N model versions (default 10,000) with varied use cases, tags and
upstream lineage, judged against every applicable rule of the shipped packs at both gates
(promote and retrain). As in the gate, each gate run of a version has one measurement per
distinct (check, ``with``), shared by the rules that name it, and govern judges a gate run's
rules with ``judge_many``. The anchor is cel-python's interpreted runner on the same rules and
activations (on the first ``--anchor-models`` model versions: it is ~1000x slower, so the full
portfolio would take minutes).

Usage: python bench/policy.py [--models 10000] [--anchor-models 100] [--output docs/benchmarks-policy.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the cel-python oracle is a test helper

from cel_oracle import OracleProgram, oracle_facts

from govern.core import resource_path
from govern.policy import judge_many, load_packs, prepare_facts

USE_CASES = [
    "credit",
    "hiring",
    "education",
    "chatbot",
    "churn_prediction",
    "spam_filtering",
    "fraud",
    "insurance_pricing",
    "recommendation",
    "forecasting",
    "social_scoring",
    "emergency_triage",
]


def portfolio(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        datasets = [
            {
                "name": f"ds{rng.randrange(500)}",
                "version": str(rng.randrange(1, 9)),
                "license": rng.choice(["internal", "cc-by", ""]),
                "contains_pii": rng.random() < 0.4,
                "consent": rng.choice(["contract", "", "opt-in"]),
                "deprecated": rng.random() < 0.05,
                "flagged": rng.random() < 0.03,
            }
            for _ in range(rng.randrange(1, 6))
        ]
        out.append(
            {
                "model": {
                    "name": f"model-{i // 10}",
                    "version": i % 10 + 1,
                    "use_case": rng.choice(USE_CASES),
                    "owner": f"user{rng.randrange(50)}",
                    "tags": {"domain": rng.choice(["finance", "retail", "hr"])},
                    "card": {"intended_use": "x"} if rng.random() < 0.9 else {},
                },
                "target": "production",
                "lineage": {"datasets": datasets, "runs": [{"id": f"r{i}", "author": "bob", "code_commit": "abc"}]},
            }
        )
    return out


def measurement(check: str, rng: random.Random) -> dict[str, Any]:
    u = rng.random
    common = {"value": u(), "inconclusive": False}
    groups = {g: {"count": float(rng.randrange(5, 500)), "selection_rate": u()} for g in ("a", "b", "c", "d")}
    return {
        "fairness": {
            **common,
            "lower": u() * 0.1,
            "upper": u() * 0.2,
            "metrics": {"demographic_parity_difference": u()},
            "per_group": groups,
            "four_fifths_pass": u() < 0.8,
            "min_group_count": rng.randrange(5, 500),
        },
        "drift": {
            **common,
            "max_value": u() * 0.4,
            "min_pvalue": u(),
            "per_feature": {},
            "drifted": ["x"] * rng.randrange(4),
            "decision": rng.choice(["monitor", "review", "retrain"]),
            "prediction_psi": u() * 0.3,
        },
        "explainability": {
            **common,
            "protected_share": u() * 0.1,
            "proxy_share": u() * 0.2,
            "top_features": ["a", "b"],
            "importance": {"a": u()},
            "protected_in_top": [] if u() < 0.8 else ["sex"],
            "rank_stability": u(),
        },
        "performance": {
            **common,
            "value": 0.5 + u() * 0.5,
            "metrics": {"auc": u(), "brier": u() * 0.3, "calibration_error": u() * 0.2},
            "delta": u() * 0.1 - 0.05,
            "delta_lower": u() * 0.1 - 0.07,
            "delta_upper": u() * 0.1,
            "has_champion": u() < 0.5,
        },
        "documentation": {**common, "missing": [], "complete": u() < 0.8},
        "lineage": {**common, "violations": [], "complete": u() < 0.9},
    }[check]


ROUNDS = 9  # interleaved timing rounds of the same-evaluations comparison


def best_of(repeats: int, fn: Any, arg: Any, *, passes: int = 1) -> float:
    """Fastest of ``repeats`` timed runs of ``passes`` calls each, per call (seconds): the machine
    is shared and noise only adds time; several passes make a short run long enough to time."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(passes):
            fn(arg)
        times.append((time.perf_counter() - t0) / passes)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--anchor-models", type=int, default=100)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    t0 = time.perf_counter()
    packset = load_packs([resource_path("policies")])
    load_s = time.perf_counter() - t0
    rng = random.Random(11)
    models = portfolio(args.models)

    t0 = time.perf_counter()
    work = []  # (facts, [(rule, measurement)]) per gate run: promote, then retrain, per model version
    for raw in models:
        facts = prepare_facts(raw)
        facts = facts.with_tier(packset.tier(facts).tier)
        for gate in ("promote", "retrain"):
            shared: dict[str, dict[str, Any]] = {}  # one measurement per (check, with), as the gate runs
            items = []
            for rule in packset.applicable(facts, gate):
                key = json.dumps([rule.check, rule.params], sort_keys=True)
                if key not in shared:
                    shared[key] = measurement(rule.check, rng)
                items.append((rule, shared[key]))
            work.append((facts, items))
    prep_s = time.perf_counter() - t0
    evals = sum(len(items) for _, items in work)
    measurements = sum(len({id(m) for _, m in items}) for _, items in work)

    def judge_all(batch: list[Any]) -> None:
        for facts, items in batch:
            judge_many(items, facts)

    def judge_each(batch: list[Any]) -> None:
        for facts, items in batch:
            for rule, m in items:
                rule.judge(m, facts)

    # Same answers both ways (judge_many's contract), checked on the whole portfolio before timing.
    # The wall-time budget can trip on either side when the shared machine stalls the process for
    # 50 ms: a real disagreement repeats, so a gate run that differs is judged again before failing.
    for facts, items in work:
        for _ in range(3):
            if judge_many(items, facts) == [rule.judge(m, facts) for rule, m in items]:
                break
        else:
            raise SystemExit(f"judge_many disagrees with judge on {facts.plain['model']}")

    govern_s = best_of(3, judge_all, work)
    govern_rate = evals / govern_s

    # Anchor: the same rules and activations through cel-python's interpreted runner.
    sample = work[: 2 * args.anchor_models]
    sample_evals = sum(len(items) for _, items in sample)
    # Like govern's prepared facts, the oracle's facts are converted once per model version and
    # each measurement once (govern converts each once too); params once per rule.
    import celpy

    oracles = {rule.require: OracleProgram(rule.require) for _, items in sample for rule, _ in items}
    cel_params = {rule: celpy.json_to_cel(rule.params) for _, items in sample for rule, _ in items}
    prepared = [({k: celpy.json_to_cel(v) for k, v in oracle_facts(facts).items()}, items) for facts, items in sample]

    def celpy_all(batch: list[Any]) -> None:
        for cel_facts, items in batch:
            contexts: dict[int, dict[str, Any]] = {}
            for rule, m in items:
                context = contexts.get(id(m))
                if context is None:
                    context = contexts[id(m)] = {k: celpy.json_to_cel(v) for k, v in m.items()} | cel_facts
                oracles[rule.require]._runner.evaluate({**context, "params": cel_params[rule]})

    # Interleaved rounds, best of each: a burst of load from other jobs on the shared machine
    # then slows one round of every contender instead of all the runs of one of them.
    celpy_s = govern_sample_s = each_sample_s = float("inf")
    for _ in range(ROUNDS):
        celpy_s = min(celpy_s, best_of(1, celpy_all, prepared))
        govern_sample_s = min(govern_sample_s, best_of(1, judge_all, sample, passes=20))
        each_sample_s = min(each_sample_s, best_of(1, judge_each, sample, passes=20))
    celpy_rate = sample_evals / celpy_s
    govern_sample_rate = sample_evals / govern_sample_s
    each_sample_rate = sample_evals / each_sample_s

    rows = [
        ("packs", f"{len(packset.packs)} packs, {len(packset.rules)} rules, loaded+compiled in {load_s * 1000:.0f} ms"),
        (
            "portfolio",
            f"{args.models} model versions, {evals} rule evaluations over {measurements} measurements (both gates)",
        ),
        ("tiering + applicability + facts", f"{prep_s:.2f} s ({args.models / prep_s:,.0f} model versions/s)"),
        (
            "govern (cel-expr-python, judge_many), full portfolio, best of 3",
            f"{govern_rate:,.0f} rule evaluations/s ({govern_s:.2f} s)",
        ),
        (
            f"govern judge_many, same {sample_evals} evaluations (first {args.anchor_models} versions), best of {ROUNDS}x20",
            f"{govern_sample_rate:,.0f} rule evaluations/s",
        ),
        (
            f"govern, one BoundRule.judge per rule, same {sample_evals} evaluations, best of {ROUNDS}x20",
            f"{each_sample_rate:,.0f} rule evaluations/s ({each_sample_rate / celpy_rate:,.0f}x cel-python)",
        ),
        (
            f"anchor: cel-python interpreted, same {sample_evals} evaluations, best of {ROUNDS}",
            f"{celpy_rate:,.0f} rule evaluations/s ({celpy_s:.2f} s)",
        ),
        ("ratio govern / cel-python (same evaluations)", f"{govern_sample_rate / celpy_rate:,.0f}x"),
        ("machine load (1-minute average, 2 cores)", f"{os.getloadavg()[0]:.1f}"),
        (
            "goals",
            f">= 100,000 evals/s: {'met' if govern_rate >= 100_000 else 'NOT met'}; "
            f">= 100x cel-python: {'met' if govern_sample_rate / celpy_rate >= 100 else 'NOT met'}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.output:
        lines = [
            "# Benchmark: policy evaluation",
            "",
            "`python bench/policy.py` (figures below from one run on this machine: "
            f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, 2 shared cores).",
            "Workload: each gate run (promote, retrain) of a model version has one measurement per distinct",
            "(check, `with`), shared by the rules naming it, as the gate runs checks. govern judges a gate",
            "run's rules with `judge_many(pairs, facts)`, facts prepared once per model version: the rules",
            "go into one cel-expr-python call (one list expression, each rule's measurement variables renamed",
            "apart and scalars packed into one typed list per type, so the facts are converted to engine",
            "values once per call, not once per rule), after the per-rule cost-budget checks; the answer",
            "must be a bool per rule within the time budget, and anything else (an error, inconclusive or",
            "incomplete measurement, intervals) is judged rule by rule by `BoundRule.judge`, so results",
            "are identical (the run checks `judge_many == judge` on the whole portfolio first). The per-rule `BoundRule.judge` row is the same work one engine call",
            "per rule. The anchor evaluates the same expressions over the same activations with cel-python",
            "0.5's interpreted runner, in the same run: its facts converted once per model version, each",
            "measurement once, each rule's params once. The same-evaluations comparison is timed in 9",
            "interleaved rounds (anchor, judge_many, judge), best round of each; govern's runs are 20 passes",
            "of the sample (one pass takes a few milliseconds).",
            "",
            "| measure | result |",
            "|---|---|",
            *[f"| {k} | {v} |" for k, v in rows],
            "",
        ]
        args.output.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
