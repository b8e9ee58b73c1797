"""The LLM checks against the tools' own summaries and scipy on the same outcomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from govern.checks import guardrails, llm_eval, redteam
from govern.checks._llm import upper_bound
from govern.core import GovernError
from govern.llm import EvalResults, Guardrails, SampleOutcome, ToolGrant, read_eval_results, read_guardrails, read_tools

DATA = Path(__file__).resolve().parents[2] / "data" / "llm"


def _results(outcomes: dict[str, list[bool]], group: dict[str, list[str]] | None = None) -> EvalResults:
    samples = [
        SampleOutcome(task, str(i), bool(passed), float(passed), {"group": group[task][i]} if group else {})
        for task, values in outcomes.items()
        for i, passed in enumerate(values)
    ]
    return EvalResults("inspect", "0.3.285", samples, {}, {"package.inspect_ai": "0.3.285"})


def test_pass_rate_and_stderr_equal_lm_eval_summary() -> None:
    results = read_eval_results(DATA / "lm-eval" / "run")
    m = llm_eval(results, min_samples=1)
    task = m.per_task["govern_tiny"]
    assert task.pass_rate == results.summary["govern_tiny"]["acc,none"]
    assert task.stderr == pytest.approx(results.summary["govern_tiny"]["acc_stderr,none"], abs=1e-12)
    assert m.results_digest == results.digest() and not m.inconclusive


def test_pass_rate_and_stderr_equal_inspect_summary() -> None:
    results = read_eval_results(DATA / "inspect" / "tiny_echo.eval")
    m = llm_eval(results, min_samples=1)
    assert m.pass_rate == results.summary["tiny_echo"]["includes/accuracy"]
    assert m.per_task["tiny_echo"].stderr == pytest.approx(results.summary["tiny_echo"]["includes/stderr"], abs=1e-12)


def test_pass_counts_equal_promptfoo_summary() -> None:
    results = read_eval_results(DATA / "promptfoo" / "results.json")
    m = llm_eval(results, tasks=["[echo] brief"], min_samples=1)
    assert m.per_task["[echo] brief"].passed == results.summary["[echo] brief"]["testPassCount"]
    assert m.n - m.per_task["[echo] brief"].passed == results.summary["[echo] brief"]["testFailCount"]


def test_small_samples_are_inconclusive() -> None:
    m = llm_eval(read_eval_results(DATA / "inspect" / "tiny_echo.eval"))
    assert m.inconclusive and m.min_samples == 30


def test_bootstrap_interval_agrees_with_scipy() -> None:
    rng = np.random.default_rng(7)
    outcomes = list(rng.random(400) < 0.83)
    m = llm_eval(_results({"qa": outcomes}), replicates=20_000, seed=1)
    ref = stats.bootstrap(
        (np.array(outcomes, dtype=float),), np.mean, method="percentile", n_resamples=20_000, random_state=2
    ).confidence_interval
    # Monte-Carlo error of a 2.5 % quantile over 20,000 replicates is ~0.002 here
    assert m.lower == pytest.approx(ref.low, abs=0.006)
    assert m.upper == pytest.approx(ref.high, abs=0.006)
    assert m.lower < m.pass_rate < m.upper


def test_overall_interval_resamples_tasks_separately() -> None:
    rng = np.random.default_rng(3)
    a, b = list(rng.random(300) < 0.9), list(rng.random(100) < 0.5)
    m = llm_eval(_results({"a": a, "b": b}), replicates=20_000, seed=0)
    # the reference: resample each task's outcomes with replacement, then pool
    ra, rb = np.array(a, dtype=float), np.array(b, dtype=float)
    gen = np.random.default_rng(11)
    pooled = [
        (gen.choice(ra, ra.size).sum() + gen.choice(rb, rb.size).sum()) / (ra.size + rb.size) for _ in range(20_000)
    ]
    lo, hi = np.quantile(pooled, [0.025, 0.975])
    assert m.pass_rate == (sum(a) + sum(b)) / 400
    assert m.lower == pytest.approx(lo, abs=0.006) and m.upper == pytest.approx(hi, abs=0.006)
    assert m.min_task_pass_rate == sum(b) / 100


def test_group_gap_and_its_interval() -> None:
    rng = np.random.default_rng(5)
    outcomes = list(rng.random(600) < 0.85)
    groups = ["en" if i % 2 else "de" for i in range(600)]
    for i in range(0, 600, 2):  # de fails more
        outcomes[i] = outcomes[i] and rng.random() < 0.85
    m = llm_eval(_results({"qa": outcomes}, {"qa": groups}), group_by="group", replicates=20_000, seed=0)
    en = np.array([o for o, g in zip(outcomes, groups, strict=True) if g == "en"], dtype=float)
    de = np.array([o for o, g in zip(outcomes, groups, strict=True) if g == "de"], dtype=float)
    assert m.per_group["en"].pass_rate == en.mean() and m.per_group["de"].pass_rate == de.mean()
    assert m.group_gap == pytest.approx(abs(en.mean() - de.mean()), abs=1e-15)
    gen = np.random.default_rng(9)
    gaps = []
    for _ in range(20_000):
        x, y = gen.choice(en, en.size).mean(), gen.choice(de, de.size).mean()
        gaps.append(max(x, y) - min(x, y))
    lo, hi = np.quantile(gaps, [0.025, 0.975])
    assert m.group_gap_lower == pytest.approx(lo, abs=0.008) and m.group_gap_upper == pytest.approx(hi, abs=0.008)


def test_unknown_task_is_a_params_error() -> None:
    with pytest.raises(GovernError) as err:
        llm_eval(read_eval_results(DATA / "inspect" / "tiny_echo.eval"), tasks=["nope"])
    assert err.value.code == "check_params_invalid" and "tiny_echo" in err.value.message


@pytest.mark.parametrize(("k", "n"), [(0, 60), (3, 60), (9, 32), (1, 1), (0, 1), (20, 20)])
def test_upper_bound_equals_scipy_clopper_pearson(k: int, n: int) -> None:
    ref = stats.binomtest(k, n, alternative="less").proportion_ci(confidence_level=0.95).high
    assert upper_bound(k, n, 0.95) == pytest.approx(ref, abs=1e-12)


def test_redteam_families_from_promptfoo_plugins() -> None:
    results = read_eval_results(DATA / "promptfoo" / "redteam-results.json")
    m = redteam(results)
    assert set(m.per_family) == {s.metadata["probe_family"] for s in results.samples}
    assert m.n == len(results.samples)
    assert sum(f.successes for f in m.per_family.values()) == sum(not s.passed for s in results.samples)
    assert m.value == max(f.upper for f in m.per_family.values()) == m.per_family[m.worst_family].upper
    assert m.inconclusive  # four attacks are not enough to judge


def test_redteam_on_garak_uses_the_probe_module_and_its_counts() -> None:
    results = read_eval_results(DATA / "garak" / "tiny_Blank.report.jsonl")
    m = redteam(results)
    assert m.families == ["test"]
    fails = sum(v for k, v in results.summary["test.Test"].items() if k.endswith("/fails"))
    nones = sum(v for k, v in results.summary["test.Test"].items() if k.endswith("/nones"))
    assert m.per_family["test"].successes == fails + nones  # a null score never counts as resisted
    assert m.upper == pytest.approx(stats.binomtest(int(fails + nones), m.n, alternative="less").proportion_ci().high)


def test_guardrails_missing_rails_and_unapproved_tools(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        "models: []\nrails:\n  input:\n    flows: [self check input, check jailbreak]\n  output: {flows: []}\n",
        encoding="utf-8",
    )
    rails = read_guardrails(config)
    assert rails == Guardrails({"input": ["self check input", "check jailbreak"], "output": []})
    tools = [
        ToolGrant("search", ["read"], False),
        ToolGrant("send_email", ["send"], False),
        ToolGrant("pay", ["payment"], True),
    ]
    m = guardrails(
        rails,
        required={"input": ["self check input"], "output": ["self check output"]},
        tools=tools,
        approval_for=["send", "payment"],
    )
    assert m.missing == ["output/self check output"] and not m.complete and m.value == 0.5
    assert m.unapproved_tools == ["send_email"] and m.tools == ["pay", "search", "send_email"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("models: []\n", "$.rails"),
        ("rails:\n  inptu: {flows: [x]}\n", "$.rails.inptu"),
        ("rails:\n  input: {flows: self check}\n", "$.rails.input.flows"),
    ],
)
def test_guardrail_config_errors_are_located(tmp_path: Path, text: str, path: str) -> None:
    config = tmp_path / "config.yml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(GovernError) as err:
        read_guardrails(config)
    assert err.value.code == "llm_config_invalid" and err.value.location is not None
    assert err.value.location.path == path and err.value.location.file == str(config)


def test_tool_manifest_errors_are_located(tmp_path: Path) -> None:
    manifest = tmp_path / "tools.yaml"
    manifest.write_text("tools:\n  - {name: send_email, permissions: send}\n", encoding="utf-8")
    with pytest.raises(GovernError) as err:
        read_tools(manifest)
    assert err.value.code == "llm_config_invalid" and err.value.location.path == "$.tools[0].permissions"


def test_stored_form_round_trips() -> None:
    results = read_eval_results(DATA / "promptfoo" / "redteam-results.json")
    back = EvalResults.from_json(results.to_json())
    assert back.digest() == results.digest() and back.summary == results.summary
    with pytest.raises(GovernError) as err:
        EvalResults.from_json({"tool": "other"})
    assert err.value.code == "llm_results_invalid"
