"""Evidence from LLM evaluation tools: real files from Inspect AI, lm-eval, promptfoo and garak.

The files in tests/data/llm/ were written by the tools themselves (tests/data/llm/regenerate.sh).
Each test checks the samples read against the tool's own summary in the same file, so the numbers
are the tool's, not ours.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import statistics
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from govern.core import GovernError
from govern.llm import RUN_TOTALS, EvalResults, codes, read_eval_results

DATA = Path(__file__).resolve().parents[2] / "data" / "llm"
INSPECT_EVAL = DATA / "inspect" / "tiny_echo.eval"
INSPECT_JSON = DATA / "inspect" / "tiny_echo.json"
LM_EVAL = DATA / "lm-eval" / "run"
PROMPTFOO = DATA / "promptfoo" / "results.json"
PROMPTFOO_REDTEAM = DATA / "promptfoo" / "redteam-results.json"
GARAK = sorted((DATA / "garak").glob("*.report.jsonl"))

# Current Inspect compresses .eval members with zstd: read through the llm extra on Python < 3.14.
needs_zstd = pytest.mark.skipif(
    importlib.util.find_spec("zstandard") is None and not hasattr(zipfile, "ZIP_ZSTANDARD"),
    reason="needs zstandard (the llm extra)",
)


def _lm_eval_results() -> Path:
    [path] = LM_EVAL.glob("results_*.json")
    return path


def _stderr_of_mean(values: list[float]) -> float:
    return statistics.stdev(values) / math.sqrt(len(values))


def _raises(path: Path, code: str) -> GovernError:
    with pytest.raises(GovernError) as info:
        read_eval_results(path)
    assert info.value.code == code, str(info.value)
    assert info.value.location is not None
    return info.value


# -- the tools' own summaries ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [pytest.param(INSPECT_EVAL, marks=needs_zstd), INSPECT_JSON], ids=["eval-zip", "json"])
def test_inspect_samples_agree_with_inspects_accuracy_and_stderr(path: Path) -> None:
    results = read_eval_results(path)
    assert (results.tool, results.tool_version) == ("inspect", "0.3.285")
    [task] = results.summary
    summary = results.summary[task]
    scores = [s.score for s in results.samples if s.score is not None]
    assert len(scores) == len(results.samples) == summary["completed_samples"] == summary["total_samples"] == 5
    passed, total = results.pass_counts()[task]
    assert passed / total == pytest.approx(summary["includes/accuracy"])
    assert statistics.fmean(scores) == pytest.approx(summary["includes/accuracy"])
    assert _stderr_of_mean(scores) == pytest.approx(summary["includes/stderr"])
    assert 0 < passed < total  # the fixture has both outcomes
    assert results.reproducibility["package.inspect_ai"] == results.tool_version
    assert results.reproducibility["task_version"] == "3"
    assert results.reproducibility["model"] == "mockllm/model"


@needs_zstd
def test_inspect_eval_zip_and_json_log_of_one_run_have_one_digest() -> None:
    assert read_eval_results(INSPECT_EVAL).digest() == read_eval_results(INSPECT_JSON).digest()


def test_lm_eval_samples_agree_with_the_harness_metrics() -> None:
    for given in (LM_EVAL, _lm_eval_results()):  # the folder or the results file
        results = read_eval_results(given)
        assert (results.tool, results.tool_version) == ("lm-eval", "0.4.13")
        summary = results.summary["govern_tiny"]
        scores = [s.score for s in results.samples if s.score is not None]
        assert len(scores) == summary["n-samples.effective"] == 8
        assert statistics.fmean(scores) == pytest.approx(summary["acc,none"])
        assert _stderr_of_mean(scores) == pytest.approx(summary["acc_stderr,none"])
        passed, total = results.pass_counts()["govern_tiny"]
        assert passed / total == pytest.approx(summary["acc,none"])
        task_hashes = json.loads(_lm_eval_results().read_text(encoding="utf-8"))["task_hashes"]
        assert results.reproducibility["task_hash.govern_tiny"] == task_hashes["govern_tiny"]
        assert all(len(s.metadata["doc_hash"]) == 64 for s in results.samples)


@pytest.mark.parametrize("path", [PROMPTFOO, PROMPTFOO_REDTEAM], ids=["eval", "redteam"])
def test_promptfoo_samples_agree_with_promptfoos_counts(path: Path) -> None:
    results = read_eval_results(path)
    assert (results.tool, results.tool_version) == ("promptfoo", "0.121.20")
    totals = results.summary[RUN_TOTALS]
    errors = sum(s.metadata.get("failure_reason") == "error" for s in results.samples)
    passed = sum(s.passed for s in results.samples)
    assert (passed, len(results.samples) - passed - errors, errors) == (
        totals["successes"],
        totals["failures"],
        totals["errors"],
    )
    for task, (task_passed, task_total) in results.pass_counts().items():
        summary = results.summary[task]
        assert task_passed == summary["testPassCount"]
        assert task_total == summary["testPassCount"] + summary["testFailCount"] + summary["testErrorCount"]
        assert sum(s.score or 0.0 for s in results.samples if s.task == task) == pytest.approx(summary["score"])
        assert results.reproducibility[f"prompt_id.{task}"]


def test_promptfoo_red_team_plugin_and_strategy_become_probe_family() -> None:
    results = read_eval_results(PROMPTFOO_REDTEAM)
    families = {(s.metadata["probe_family"], s.metadata["strategy"]) for s in results.samples}
    assert families == {
        ("contracts", "basic"),
        ("contracts", "base64"),
        ("pii:direct", "basic"),
        ("hijacking", "jailbreak"),
    }
    plain = read_eval_results(PROMPTFOO)
    assert all("probe_family" not in s.metadata for s in plain.samples)


@pytest.mark.parametrize("path", GARAK, ids=[p.name for p in GARAK])
def test_garak_samples_agree_with_garaks_eval_entries(path: Path) -> None:
    results = read_eval_results(path)
    assert (results.tool, results.tool_version) == ("garak", "0.17.1")
    assert set(results.summary) == {"test.Test"}
    summary = results.summary["test.Test"]
    for detector in ("always.Pass", "always.Random"):
        mine = [s for s in results.samples if s.metadata["detector"] == detector]
        assert sum(s.passed for s in mine) == summary[f"{detector}/passed"]
        assert sum(not s.passed and s.score is not None for s in mine) == summary[f"{detector}/fails"]
        assert sum(s.score is None for s in mine) == summary[f"{detector}/nones"]
        assert len(mine) == summary[f"{detector}/total_evaluated"]
    assert summary["always.Random/fails"] > 0  # the fixture has both outcomes
    assert results.reproducibility["run.seed"] == "0"
    assert results.reproducibility["plugins.target_type"] in {"test.Repeat", "test.Blank"}


# -- the digest --------------------------------------------------------------------------------------


ALL_FILES = [INSPECT_JSON, LM_EVAL, PROMPTFOO, PROMPTFOO_REDTEAM, *GARAK]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_digest_is_stable_across_reads_and_changes_with_one_sample(path: Path) -> None:
    first, second = read_eval_results(path), read_eval_results(path)
    assert first.digest() == second.digest()
    assert first.digest().startswith("sha256:")
    sample = first.samples[0]
    flipped = EvalResults(
        first.tool,
        first.tool_version,
        [replace(sample, passed=not sample.passed), *first.samples[1:]],
        first.summary,
        first.reproducibility,
    )
    assert flipped.digest() != first.digest()
    rescored = replace(first, samples=[replace(sample, score=0.123), *first.samples[1:]])
    assert rescored.digest() != first.digest()
    repinned = replace(first, reproducibility={**first.reproducibility, "tool_extra": "x"})
    assert repinned.digest() != first.digest()
    reordered = replace(first, samples=list(reversed(first.samples)))
    assert reordered.digest() == first.digest()  # the order a tool wrote samples in is not evidence


def test_digest_changes_when_one_sample_changes_in_the_file(tmp_path: Path) -> None:
    doc = json.loads(PROMPTFOO.read_text(encoding="utf-8"))
    doc["results"]["results"][0]["success"] = not doc["results"]["results"][0]["success"]
    edited = tmp_path / "results.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    assert read_eval_results(edited).digest() != read_eval_results(PROMPTFOO).digest()

    run = tmp_path / "run"
    shutil.copytree(LM_EVAL, run)
    [samples] = run.glob("samples_*.jsonl")
    lines = samples.read_text(encoding="utf-8").splitlines()
    line = json.loads(lines[0])
    line["acc"] = 1.0 - line["acc"]
    samples.write_text("\n".join([json.dumps(line), *lines[1:]]) + "\n", encoding="utf-8")
    assert read_eval_results(run).digest() != read_eval_results(LM_EVAL).digest()


def test_digest_changes_when_the_task_hash_changes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(LM_EVAL, run)
    [results] = run.glob("results_*.json")
    doc = json.loads(results.read_text(encoding="utf-8"))
    doc["task_hashes"]["govern_tiny"] = "0" * 64
    results.write_text(json.dumps(doc), encoding="utf-8")
    assert read_eval_results(run).digest() != read_eval_results(LM_EVAL).digest()


# -- malformed and truncated files: a located GovernError, never a traceback -------------------------


def test_truncated_inspect_eval_zip(tmp_path: Path) -> None:
    data = INSPECT_EVAL.read_bytes()
    cut = tmp_path / "cut.eval"
    cut.write_bytes(data[: len(data) // 2])
    error = _raises(cut, codes.LLM_RESULTS_INVALID)
    assert error.location is not None and error.location.file == str(cut)


def test_inspect_eval_without_header_is_an_unfinished_run(tmp_path: Path) -> None:
    log = tmp_path / "started.eval"
    with zipfile.ZipFile(INSPECT_EVAL) as src, zipfile.ZipFile(log, "w") as dst:
        for info in src.infolist():
            if info.filename != "header.json":
                dst.writestr(info.filename, b"{}")  # content is irrelevant: the header is what is missing
    assert "header.json" in _raises(log, codes.LLM_RESULTS_INVALID).message


@needs_zstd
def test_corrupt_member_of_inspect_eval_is_located_at_the_member(tmp_path: Path) -> None:
    data = bytearray(INSPECT_EVAL.read_bytes())
    with zipfile.ZipFile(INSPECT_EVAL) as archive:
        info = archive.getinfo("header.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10 : start + 20] = b"\0" * 10
    broken = tmp_path / "broken.eval"
    broken.write_bytes(bytes(data))
    error = _raises(broken, codes.LLM_RESULTS_INVALID)
    assert error.location is not None and error.location.file == f"{broken}!header.json"


def test_inspect_run_that_did_not_succeed(tmp_path: Path) -> None:
    doc = json.loads(INSPECT_JSON.read_text(encoding="utf-8"))
    doc["status"] = "error"
    log = tmp_path / "log.json"
    log.write_text(json.dumps(doc), encoding="utf-8")
    assert _raises(log, codes.LLM_RESULTS_INVALID).location.path == "$.status"  # type: ignore[union-attr]


def test_inspect_log_without_samples_cannot_be_checked(tmp_path: Path) -> None:
    doc = json.loads(INSPECT_JSON.read_text(encoding="utf-8"))
    doc["samples"] = []
    log = tmp_path / "log.json"
    log.write_text(json.dumps(doc), encoding="utf-8")
    assert "log_samples" in _raises(log, codes.LLM_RESULTS_INVALID).message


def test_inspect_sample_without_its_score(tmp_path: Path) -> None:
    doc = json.loads(INSPECT_JSON.read_text(encoding="utf-8"))
    doc["samples"][2]["scores"] = {}
    log = tmp_path / "log.json"
    log.write_text(json.dumps(doc), encoding="utf-8")
    assert _raises(log, codes.LLM_RESULTS_INVALID).location.path == "$.samples[2].scores"  # type: ignore[union-attr]


def test_truncated_json_is_located_at_line_and_column(tmp_path: Path) -> None:
    text = PROMPTFOO.read_text(encoding="utf-8")
    cut = tmp_path / "results.json"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    error = _raises(cut, codes.LLM_RESULTS_INVALID)
    assert error.location is not None and error.location.line is not None and error.location.col is not None


def test_promptfoo_wrong_type_is_located_at_its_json_path(tmp_path: Path) -> None:
    doc = json.loads(PROMPTFOO.read_text(encoding="utf-8"))
    doc["results"]["results"][1]["success"] = "yes"
    edited = tmp_path / "results.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    error = _raises(edited, codes.LLM_RESULTS_INVALID)
    assert error.location is not None and error.location.path == "$.results.results[1].success"
    del doc["metadata"]["promptfooVersion"]
    edited.write_text(json.dumps(doc), encoding="utf-8")
    assert "promptfooVersion" in _raises(edited, codes.LLM_RESULTS_INVALID).message


def test_lm_eval_bad_samples_line_is_located_at_its_line(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(LM_EVAL, run)
    [samples] = run.glob("samples_*.jsonl")
    lines = samples.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:40]
    samples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = _raises(run, codes.LLM_RESULTS_INVALID)
    assert error.location is not None and (error.location.file, error.location.line) == (str(samples), 3)


def test_lm_eval_without_samples_or_with_two_runs(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(LM_EVAL, run)
    [samples] = run.glob("samples_*.jsonl")
    samples.unlink()
    assert "--log_samples" in _raises(run, codes.LLM_RESULTS_INVALID).message
    two = tmp_path / "two"
    shutil.copytree(LM_EVAL, two / "a")
    shutil.copytree(LM_EVAL, two / "b")
    assert "several" in _raises(two, codes.LLM_RESULTS_INVALID).message
    (tmp_path / "empty").mkdir()
    _raises(tmp_path / "empty", codes.LLM_RESULTS_UNKNOWN_FORMAT)


def test_garak_truncated_report(tmp_path: Path) -> None:
    lines = GARAK[0].read_text(encoding="utf-8").splitlines()
    torn = tmp_path / "torn.report.jsonl"
    torn.write_text("\n".join([*lines[:-1], lines[-1][:30]]) + "\n", encoding="utf-8")
    error = _raises(torn, codes.LLM_RESULTS_INVALID)
    assert error.location is not None and error.location.line == len(lines)
    # Cut before the eval entries: the run did not finish, so it is not evidence.
    first_eval = next(i for i, line in enumerate(lines) if '"entry_type": "eval"' in line)
    short = tmp_path / "short.report.jsonl"
    short.write_text("\n".join(lines[:first_eval]) + "\n", encoding="utf-8")
    assert "eval" in _raises(short, codes.LLM_RESULTS_INVALID).message


def test_garak_detector_score_that_is_not_a_number(tmp_path: Path) -> None:
    lines = GARAK[0].read_text(encoding="utf-8").splitlines()
    number, entry = next(
        (i, json.loads(line))
        for i, line in enumerate(lines)
        if '"entry_type": "attempt"' in line and json.loads(line)["status"] == 2
    )
    entry["detector_results"]["always.Pass"][1] = "high"
    lines[number] = json.dumps(entry)
    edited = tmp_path / "edited.report.jsonl"
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = _raises(edited, codes.LLM_RESULTS_INVALID)
    assert error.location is not None
    assert (error.location.line, error.location.path) == (number + 1, "$.detector_results.always.Pass[1]")


def test_unknown_and_missing_files(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"accuracy": 0.9}', encoding="utf-8")
    _raises(other, codes.LLM_RESULTS_UNKNOWN_FORMAT)
    lines = tmp_path / "other.jsonl"
    lines.write_text('{"accuracy": 0.9}\n', encoding="utf-8")
    _raises(lines, codes.LLM_RESULTS_UNKNOWN_FORMAT)
    _raises(tmp_path / "missing.json", codes.LLM_RESULTS_UNREADABLE)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    _raises(binary, codes.LLM_RESULTS_UNREADABLE)


def test_zstd_inspect_log_without_zstandard_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    if hasattr(zipfile, "ZIP_ZSTANDARD"):
        pytest.skip("Python reads zstd zip members itself")
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard now raises ImportError
    assert "govern[llm]" in _raises(INSPECT_EVAL, codes.LLM_RESULTS_UNREADABLE).message
