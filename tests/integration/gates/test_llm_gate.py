"""An LLM application gated end to end, on SQLite and PostgreSQL: denied on a failing red team,
pending on a passing high-risk version, a prompt-template change voids the pending approval,
allowed after two approvals; its PDF report carries the LLM sections; the ledger verifies.

Evaluation and red-team evidence are promptfoo files (the real red-team file promptfoo wrote for
the first, derived files of realistic size for the rest: tests/llm_variants.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from llm_variants import promptfoo_variant

from govern.core import ConflictError, parse_ref
from govern.decisions import get_request, vote
from govern.lineage import ModelSpec
from govern.workspace import Workspace

MODEL = "credit-memo-assistant@1"
BASE_MODEL = "component:base_model/openai/gpt-4o@2024-08-06"
DATA = Path(__file__).resolve().parents[2] / "data" / "llm"

CARD: dict[str, Any] = {
    "model_details": {
        "name": "credit-memo-assistant",
        "version": "1",
        "owners": [{"name": "bob"}],
        "description": "Drafts credit memos from an application file and the bank's lending policies (RAG).",
        "license": "proprietary",
    },
    "intended_use": {"primary_uses": ["draft credit memos for a credit officer"], "out_of_scope": ["final decisions"]},
    "factors": ["language of the application"],
    "metrics": [{"name": "pass_rate"}],
    "training_data": {"description": "none: a hosted base model with retrieval over lending policies"},
    "evaluation_data": {"description": "240 graded memo tasks; a 180-attack red team"},
    "quantitative_analyses": [{"metric": "pass_rate", "value": 0.95}],
    "ethical_considerations": [{"name": "automation bias", "mitigation": "an officer signs every memo"}],
    "caveats_and_recommendations": ["not for applications outside the retail lending policy"],
    "human_oversight": {"description": "a credit officer reviews and signs every draft", "reviewers": ["officer"]},
    "risk_tier": "high",
}
RAILS = "rails:\n  input:\n    flows: [self check input, check jailbreak]\n  output:\n    flows: [self check output]\n"
TOOLS = (
    "tools:\n  - {name: search_policies, permissions: [read]}\n"
    "  - {name: send_memo, permissions: [send], requires_approval: true}\n"
)


def _app(ws: Workspace, tmp: Path) -> None:
    """Lineage of the application (its retrieval corpus is a dataset, the index build a run) and
    its first evidence: a passing evaluation and promptfoo's real red-team run (which fails)."""
    ws.ingest([_manifest(tmp)])
    ws.register_model(
        ModelSpec(
            name="credit-memo-assistant",
            version="1",
            run="build-index-7",
            owner="bob",
            tags={"kind": "llm"},
            use_case="credit",
            card=CARD,
            components=[parse_ref(BASE_MODEL)],
        )
    )
    groups = [{"group": "en" if i % 2 else "de"} for i in range(240)]
    outcomes = [(i % 40 not in (0, 1), g) for i, g in enumerate(groups)]  # 95 % in both languages
    evaluation = promptfoo_variant("results.json", outcomes, tmp / "eval.json")
    ws.add_evidence(MODEL, "llm_eval", evaluation)
    ws.add_evidence(MODEL, "redteam", DATA / "promptfoo" / "redteam-results.json")


def _manifest(tmp: Path) -> Path:
    path = tmp / "lineage.yaml"
    path.write_text(
        "apiVersion: govern/v1\nkind: Lineage\n"
        "datasets:\n  - {name: lending-policies, version: '2026-11', owner: risk,"
        " card: {license: internal, source: policy wiki, consent: not personal data}}\n"
        "runs:\n  - {id: build-index-7, inputs: ['dataset:lending-policies@2026-11'], author: dana,"
        " code_commit: 4b1f0c2}\n"
        "components:\n  - {role: base_model, name: openai/gpt-4o, version: '2024-08-06', provider: openai}\n",
        encoding="utf-8",
    )
    return path


def _clean_red_team(tmp: Path) -> Path:
    families = ["contracts", "hijacking", "pii:direct"]
    return promptfoo_variant(
        "redteam-results.json",
        [(True, {"pluginId": f, "strategyId": "basic"}) for f in families for _ in range(60)],
        tmp / "redteam-clean.json",
    )


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_llm_application_gated_end_to_end(workspace: Any, cli: Any, tmp_path: Path) -> None:
    url = {"database_url": workspace.database_url} if workspace.database_url else {}
    with Workspace.open(workspace.path, **url) as ws:
        ws.actor = "ci-bot"
        for name, role in (("rita", "risk_officer"), ("vera", "validator"), ("ci-bot", "ci")):
            ws.create_token(name, role)
        _app(ws, tmp_path)

    denied = cli.run("gate", "promote", MODEL, "--to", "production", "--format", "json", env=workspace.env)
    assert denied.returncode == 1, denied.stdout + denied.stderr
    decision = json.loads(denied.stdout)
    assert decision["tier"] == "high"
    by_rule = {f["rule"]: f for f in decision["findings"]}
    assert by_rule["llm-application/redteam-high"]["result"] in ("fail", "inconclusive")
    assert by_rule["llm-application/llm-eval-floor-high"]["result"] == "pass"
    # no rule of a classical check judges an LLM application
    assert {f["check"] for f in decision["findings"]} <= {
        "documentation",
        "lineage",
        "llm_eval",
        "redteam",
        "guardrails",
    }

    with Workspace.open(workspace.path, **url) as ws:
        ws.actor = "ci-bot"
        ws.add_evidence(MODEL, "redteam", _clean_red_team(tmp_path))
        (tmp_path / "config.yml").write_text(RAILS, encoding="utf-8")
        (tmp_path / "tools.yaml").write_text(TOOLS, encoding="utf-8")
        (tmp_path / "system.txt").write_text("You draft credit memos. Cite the policy section.\n", encoding="utf-8")
        for role, name in (("guardrails", "config.yml"), ("tools", "tools.yaml"), ("prompt", "system.txt")):
            ws.add_evidence(MODEL, role, tmp_path / name)

    pending = cli.run("gate", "promote", MODEL, "--to", "production", "--format", "json", env=workspace.env)
    assert pending.returncode == 3, pending.stdout + pending.stderr
    first = json.loads(pending.stdout)
    assert first["approval"]["required"]["count"] == 2
    assert {k: v for k, v in first["evidence"].items() if k in ("prompt", "guardrails", "tools")}.keys() == {
        "prompt",
        "guardrails",
        "tools",
    }
    findings = {f["rule"]: f for f in first["findings"]}
    assert all(f["result"] == "pass" for f in findings.values()), {
        r: (f["result"], f["message"]) for r, f in findings.items()
    }
    redteam = first["measurements"][findings["llm-application/redteam-high"]["measurement"]]
    assert redteam["value"] <= 0.05 and redteam["families"] == ["contracts", "hijacking", "pii:direct"]
    groups = first["measurements"][findings["llm-application/llm-group-gap"]["measurement"]]
    assert set(groups["per_group"]) == {"de", "en"}

    with Workspace.open(workspace.path, **url) as ws:
        ws.actor = "ci-bot"
        vote(ws.context, first["approval"]["request"], ws.principal("rita"), "approve", "memos reviewed")
        # The prompt template changes after one approval: the request is bound to the old one.
        (tmp_path / "system.txt").write_text("You draft credit memos. Never promise an outcome.\n", encoding="utf-8")
        ws.add_evidence(MODEL, "prompt", tmp_path / "system.txt")
        with pytest.raises(ConflictError) as err:
            vote(ws.context, first["approval"]["request"], ws.principal("vera"), "approve", "validated")
        assert err.value.code == "approval_void"
        assert get_request(ws.context, first["approval"]["request"]).status == "void"

    again = cli.run("gate", "promote", MODEL, "--to", "production", "--format", "json", env=workspace.env)
    assert again.returncode == 3, again.stdout
    second = json.loads(again.stdout)
    assert second["approval"]["request"] != first["approval"]["request"]
    assert second["bound_digest"] != first["bound_digest"]
    with Workspace.open(workspace.path, **url) as ws:
        ws.actor = "ci-bot"
        for who in ("rita", "vera"):
            vote(ws.context, second["approval"]["request"], ws.principal(who), "approve", "validated")
    allowed = cli.run("gate", "promote", MODEL, "--to", "production", "--format", "json", env=workspace.env)
    assert allowed.returncode == 0, allowed.stdout
    assert json.loads(allowed.stdout)["stage_after"] == "production"

    pdf = tmp_path / "report.pdf"
    report = cli.run("report", "model", MODEL, "-o", str(pdf), env=workspace.env)
    assert report.returncode == 0, report.stderr
    text = _pdf_text(pdf)
    assert "LLM evaluation" in text and "Red team" in text
    assert "pii:direct" in text and "hijacking" in text  # the per-family table
    assert "promptfoo" in text

    # The base model and the configuration files are lineage: a withdrawn snapshot reaches the app.
    upstream = cli.run("lineage", "show", MODEL, "--format", "json", env=workspace.env)
    assert upstream.returncode == 0, upstream.stderr
    refs = {n["ref"] for n in json.loads(upstream.stdout)["nodes"]}
    assert BASE_MODEL in refs and "dataset:lending-policies@2026-11" in refs
    assert {r.split("@")[0] for r in refs if r.startswith("component:")} == {
        "component:base_model/openai/gpt-4o",
        "component:prompt/credit-memo-assistant/system.txt",
        "component:guardrails/credit-memo-assistant/config.yml",
        "component:tools/credit-memo-assistant/tools.yaml",
    }
    impacted = cli.run("lineage", "impact", BASE_MODEL, "--format", "json", env=workspace.env)
    assert impacted.returncode == 0, impacted.stderr
    assert [m["ref"] for m in json.loads(impacted.stdout)] == [MODEL]

    verified = cli.run("audit", "verify", env=workspace.env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
