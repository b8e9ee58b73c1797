"""action.yml and the CI examples in docs/examples are parsed, and their govern commands run
against a demo-like workspace (the one docs/examples/sdk.py builds): the composite action's shell
steps with GitHub's files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) as temporary files, and the
GitLab job's script lines. The SARIF the action writes validates against the OASIS schema."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
SCHEMA = ROOT / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json"
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with a govern workspace: credit-risk@1 registered, a pack whose gate needs review."""
    spec = importlib.util.spec_from_file_location("sdk_example", EXAMPLES / "sdk.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(tmp_path) == 0
    return tmp_path


def _env(repo: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "GITHUB_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **extra}


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_action_gates_writes_sarif_and_a_summary(repo: Path) -> None:
    import jsonschema

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    workflow = yaml.safe_load((EXAMPLES / "github-workflow.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    uses = [s.get("uses", "") for s in action["runs"]["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    # the example workflow uses this action and passes only inputs it declares
    step = next(s for s in workflow["jobs"]["gate"]["steps"] if s.get("uses") == "./")
    assert set(step["with"]) <= set(action["inputs"])
    assert set(action["inputs"]) >= {"model", "target", "workspace", "sarif"}
    assert workflow["permissions"]["security-events"] == "write"

    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update({"model": "credit-risk@1", "target": step["with"]["target"], "workspace": step["with"]["workspace"]})
    out, summary = repo / "github-output", repo / "step-summary.md"
    outputs: dict[str, str] = {}

    def value(expr: str) -> str:
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr.startswith("steps.gate.outputs."):
            return outputs.get(expr.removeprefix("steps.gate.outputs."), "")
        assert expr == "github.action_path", expr
        return str(ROOT)

    ran = []
    for s in action["runs"]["steps"]:
        if "run" not in s or s.get("name") == "Install govern":  # the venv already has govern
            continue
        env = {k: EXPR.sub(lambda m: value(m[1]), str(v)) for k, v in s.get("env", {}).items()}
        proc = _bash(s["run"], _env(repo, GITHUB_OUTPUT=str(out), GITHUB_STEP_SUMMARY=str(summary), **env), repo)
        ran.append((s["name"], proc.returncode))
        if s.get("id") == "gate":
            assert proc.returncode == 0, proc.stderr
            outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines())
    # the gate needs a human review: exit 3, pending_approval; the last step fails the job with it
    assert outputs == {"exit-code": "3", "outcome": "pending_approval"}
    assert ran[-1] == ("Fail unless the gate allowed", 3)
    text = summary.read_text(encoding="utf-8")
    assert "credit-risk@1" in text and "always-review" in text
    sarif = json.loads((repo / inputs["sarif"]).read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    region = schema["definitions"]["region"]  # erratum 01 (see tests/unit/decisions/test_sarif_locations.py)
    region["anyOf"] = region["properties"].pop("anyOf")
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(sarif)] == []
    (result,) = sarif["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "pack/policy.yaml", "uriBaseId": "%SRCROOT%"}
    line = (repo / "pack" / "policy.yaml").read_text(encoding="utf-8").splitlines()[physical["region"]["startLine"] - 1]
    assert "always-review" in line


def test_the_gitlab_job_runs(repo: Path) -> None:
    job = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))["govern-gate"]
    assert job["artifacts"]["reports"]["junit"] == "govern-junit.xml"
    env = _env(repo, **{k: str(v) for k, v in job["variables"].items()})
    proc = _bash("\n".join(job["script"]), env, repo)
    assert proc.returncode == 3, proc.stderr  # pending approval fails the job
    assert "<testsuites" in (repo / "govern-junit.xml").read_text(encoding="utf-8")
    assert "run:train-1" in (repo / "govern-lineage.txt").read_text(encoding="utf-8")
