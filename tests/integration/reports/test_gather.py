"""Reports from a real workspace: decisions, approvals, a waiver and a retraining decision, rendered
by the real CLI, read back with pdftotext, and verified from the PDF's attachments with no database.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from govern.core import canonical_json, content_digest, utcnow
from govern.reports import extract_attachments, fmt

# One worker builds the module's world once (xdist would otherwise build it on both workers).
pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing"),
    pytest.mark.xdist_group("reports-gather"),
]
GBM, LR = "credit-risk-gbm@1", "credit-risk-lr@1"
SECTIONS = ["Executive summary", "Model card", "Lineage", "Policy rules evaluated", "Fairness", "Drift",
            "Explainability", "Approvals, rejections and waivers", "Audit ledger",
            "Controls coverage matrix"]  # fmt: skip

# The console script of the interpreter running the tests (PATH may not include the venv).
GOVERN = [str(Path(sys.executable).with_name("govern"))]


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def section(text: str, title: str, following: str | None) -> str:
    """The body of chapter ``title`` up to the next chapter: headings start a line (running
    headers do not), and the first such line is the contents page's."""
    starts = [m.start() for m in re.finditer(rf"^{re.escape(title)}\s*$", text, re.MULTILINE)]
    start = starts[-1]
    end = re.search(rf"^{re.escape(following)}\s*$", text[start:], re.MULTILINE) if following else None
    return text[start : start + end.start() if end else None]


def _env(path: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    if path is not None:
        env["GOVERN_WORKSPACE"] = str(path)
    return env


def _flow(ws: Any, files: Any) -> dict[str, Any]:
    """The demo's story: biased model denied, a waiver, the fair model approved, then drift."""
    from govern.decisions import vote, waive
    from govern.demo import populate

    populate(ws, files)
    for name, role in (("bob", "model_owner"), ("rita", "risk_officer"), ("ravi", "risk_officer"), ("ci-bot", "ci")):
        ws.create_token(name, role)
    out: dict[str, Any] = {"gbm_first": ws.gate_promote(GBM, "production")}
    waive(ws.context, GBM, "eu-ai-act/demographic-parity", ws.principal("rita"),
          justification="Parity gap under remediation; manual review of every decline.",
          expires=utcnow() + timedelta(days=30))  # fmt: skip
    out["gbm"] = ws.gate_promote(GBM, "production")
    first = ws.gate_promote(LR, "production")
    for who in ("rita", "ravi"):
        vote(
            ws.context,
            first.approval["request"],
            ws.principal(who),
            "approve",
            f"{who}: fairness and accuracy reviewed",
        )
    out["lr_allow"] = ws.gate_promote(LR, "production")
    out["lr_retrain"] = ws.gate_retrain(LR, files.current)
    return out


# Session scope: built once per worker even when xdist runs another module's tests between this
# module's (a module-scoped fixture is then torn down and built again, ~60 s each time).
@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    from govern.demo import build
    from govern.workspace import Workspace

    root = tmp_path_factory.mktemp("reports")
    files = build(root / "files", small=True)
    ws = Workspace.init(root / ".govern")
    ws.actor = "ci-bot"
    decisions = _flow(ws, files)
    ws.close()
    run = lambda *args: subprocess.run([*GOVERN, *args], env=_env(root / ".govern"), cwd=root,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)  # fmt: skip
    for args in (("report", "model", GBM, "-o", "gbm.pdf"), ("report", "model", LR, "-o", "lr.pdf"),
                 ("report", "period", "--from", "2000-01-01", "--to", "2099-12-31", "-o", "period.pdf"),
                 ("report", "annex-iv", LR, "-o", "annex.pdf")):  # fmt: skip
        result = run(*args)
        assert result.returncode == 0, result.stderr
    names = ("gbm", "lr", "period", "annex")
    return SimpleNamespace(root=root, decisions=decisions, run=run,
                           text={n: pdftotext(root / f"{n}.pdf") for n in names})  # fmt: skip


def test_every_section_and_the_cover(world: SimpleNamespace) -> None:
    text = world.text["lr"]
    for title in SECTIONS:
        assert text.count(title) >= 2, title  # in the contents and as a chapter
    d = world.decisions["lr_retrain"]
    cover = text[: text.index("Contents")]
    assert LR in cover and "high" in cover and "production" in cover and d.id in cover and "retrain" in cover


def test_rule_values_equal_the_decision(world: SimpleNamespace) -> None:
    d = world.decisions["gbm"]
    rules = section(world.text["gbm"], "Policy rules evaluated", "Fairness")
    for f in d.findings:
        row = rules[rules.index(f.rule) :]
        line = row[: row.index("\n")]
        assert fmt(f.value) in line, (f.rule, fmt(f.value), line)
        assert re.search(rf"\b{f.result}\b", row[:600]), f.rule
    # the waiver turned a deny into "waived", and the report shows it
    assert {f.rule: f.result for f in d.findings}["eu-ai-act/demographic-parity"] == "waived"


def test_fairness_per_group_shows_the_recorded_counts_and_intervals(world: SimpleNamespace) -> None:
    from scipy.stats import binomtest

    d = world.decisions["gbm"]
    finding = next(f for f in d.findings if f.rule == "eu-ai-act/demographic-parity")
    m = d.measurements[finding.measurement]
    body = section(world.text["gbm"], "Fairness", "Drift")
    assert finding.threshold is not None and finding.threshold.variable in ("upper", "value")
    assert (
        f"Difference {fmt(m['metrics']['demographic_parity_difference'])} (CI {fmt(m['lower'])} – {fmt(m['upper'])}), "
        f"threshold {fmt(finding.threshold.value)}" in body
    )
    for group, g in m["per_group"].items():
        n, rate = g["count"], g["selection_rate"]
        low, high = g["intervals"]["selection_rate"]  # recorded by the check, shown as recorded
        ci = binomtest(g["tp"] + g["fp"], n).proportion_ci(confidence_level=m["confidence"], method="wilson")
        assert abs(low - ci.low) < 1e-9 and abs(high - ci.high) < 1e-9
        row = rf"{re.escape(group)}\s+{n}\s+{re.escape(fmt(rate))}\s+{re.escape(fmt(low))}\s+{re.escape(fmt(high))}"
        assert re.search(row, body), (group, row)


def test_drift_and_importance_equal_the_retrain_decision(world: SimpleNamespace) -> None:
    d = world.decisions["lr_retrain"]
    m = next(d.measurements[f.measurement] for f in d.findings if f.rule == "eu-ai-act/drift-retrain")
    body = section(world.text["lr"], "Drift", "Explainability")
    for feature, stats in m["per_feature"].items():
        drifted = "fail" if feature in m["drifted"] else "pass"
        assert re.search(rf"{feature}\s+psi\s+{re.escape(fmt(stats['psi']))}\s+\S+\s+0\.200\s+{drifted}", body), feature
    promote = world.decisions["lr_allow"]
    importance = next(promote.measurements[f.measurement] for f in promote.findings if f.check == "explainability")[
        "importance"
    ]
    shap = section(world.text["lr"], "Explainability", "Approvals, rejections and waivers")
    for feature, value in importance.items():
        assert re.search(rf"{feature}\s+{re.escape(fmt(value))}", shap), feature


def test_reviews_controls_and_ledger(world: SimpleNamespace) -> None:
    reviews = section(world.text["lr"], "Approvals, rejections and waivers", "Audit ledger")
    assert "rita" in reviews and "ravi" in reviews and "fairness and accuracy reviewed" in reviews
    # Table cells wrap, and -layout interleaves the lines of neighbouring cells: read the reviews
    # table in reading order (cell by cell).
    raw = subprocess.run(["pdftotext", "-enc", "UTF-8", str(world.root / "gbm.pdf"), "-"], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    start = raw.rindex("Approvals, rejections and waivers")
    gbm = raw[start : raw.index("Audit ledger", start)]
    words = " ".join(gbm.split())
    assert "waiver" in words and "demographic-parity" in words and "manual review of every" in words
    ledger = section(world.text["lr"], "Audit ledger", "Controls coverage matrix")
    for key in ("gate.decided", "approval.granted", "stage.changed", "retrain.decided", "intact"):
        assert key in ledger, key
    assert world.decisions["lr_retrain"].ledger_hash in ledger
    # A control that a failing finding cites is failing; one no loaded rule cites is not covered.
    controls = section(world.text["lr"], "Controls coverage matrix", None)
    assert re.search(r"Art\. 72 Post-market monitoring by providers\s+failing", controls)
    assert re.search(r"iso-42001/\S+\s.*not covered", controls)


def test_period_report_exceptions_first(world: SimpleNamespace) -> None:
    text = world.text["period"]
    body = text[[m.start() for m in re.finditer(r"^Exceptions\s*$", text, re.MULTILINE)][-1] :]
    exceptions = body[: re.search(r"^Summary\s*$", body, re.MULTILINE).start()]  # type: ignore[union-attr]
    assert "waived deny" in exceptions and "retraining triggered" in exceptions
    assert world.decisions["gbm"].id in exceptions and world.decisions["lr_retrain"].id in exceptions
    for d in world.decisions.values():
        assert d.id in body


def test_attachments_are_the_recorded_decisions(world: SimpleNamespace) -> None:
    from govern.decisions import history
    from govern.workspace import Workspace

    files = extract_attachments(world.root / "lr.pdf")
    with Workspace.open(world.root / ".govern") as ws, ws.store.read() as session:
        rows = history(session, model=LR)
        ids = {f"proof-{r.id}.json" for r in rows}
        for row in rows:
            data = files[f"decision-{row.id}.json"]
            assert data == canonical_json(row.document)
            proof = json.loads(files[f"proof-{row.id}.json"])
            assert json.loads(proof["entry"])["payload"]["document_digest"] == content_digest(data)
    assert len(ids) == 3 and ids <= set(files)


def test_tampered_decision_fails_verification(world: SimpleNamespace, tmp_path: Path) -> None:
    from govern.reports import render_model_report
    from govern.reports._gather import gather_model
    from govern.workspace import Workspace

    with Workspace.open(world.root / ".govern") as ws:
        data = gather_model(ws.store, LR, settings=ws.settings, rules=ws.packs.rules)
    decision_id = data.decision.id
    doc = json.loads(data.evidence.decisions[decision_id])
    doc["outcome"] = "monitor"
    data.evidence.decisions[decision_id] = canonical_json(doc).decode()
    render_model_report(data, tmp_path / "edited.pdf")
    result = world.run("audit", "verify-proof", "--pdf", str(tmp_path / "edited.pdf"))
    assert result.returncode == 1 and "report_decision_mismatch" in result.stderr


def test_the_monitoring_history_is_charted_from_the_retraining_decisions(world: SimpleNamespace) -> None:
    d = world.decisions["lr_retrain"]
    text = world.text["lr"]
    history = text[text.index("1 monitoring run(s)") :]  # the section's table, after its chart
    assert d.id in history and d.outcome in history
    from govern.workspace import Workspace

    with Workspace.open(world.root / ".govern") as ws:
        data = ws.report_model(LR, world.root / "lr-monitoring.html")
    assert [(p.decision_id, p.outcome) for p in data.monitoring] == [(d.id, d.outcome)]
    html = (world.root / "lr-monitoring.html").read_text(encoding="utf-8")
    svg = html[html.index(f'aria-label="Monitoring history of {LR}"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<circle") == 1 and f"{d.outcome}:" in svg


def test_verifies_from_the_pdf_alone_with_no_database(world: SimpleNamespace, tmp_path: Path) -> None:
    """Last in the module: the workspace is moved away first."""
    for name in ("lr", "gbm", "period"):
        shutil.copy(world.root / f"{name}.pdf", tmp_path)
    shutil.move(world.root / ".govern", world.root / "gone")
    run = lambda *a: subprocess.run([*GOVERN, *a], env=_env(None), cwd=tmp_path, capture_output=True, text=True)  # noqa: E731
    for name in ("lr", "gbm", "period"):
        result = run("audit", "verify-proof", "--pdf", f"{name}.pdf")
        assert result.returncode == 0, result.stderr
        assert "report valid" in result.stdout
    # The classic path works on the extracted files too.
    files = extract_attachments(tmp_path / "lr.pdf")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    proof = next(n for n in files if n.startswith("proof-"))
    result = run("audit", "verify-proof", proof, "--checkpoint", "checkpoint.json", "--public-key", "public-key.pem")
    assert result.returncode == 0, result.stderr
    # A key other than the ledger's is refused.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip
    (tmp_path / "other.pem").write_bytes(other)
    result = run("audit", "verify-proof", "--pdf", "lr.pdf", "--public-key", "other.pem")
    assert result.returncode == 1 and "checkpoint_unknown_key" in result.stderr


@pytest.mark.slow
def test_gather_model_on_each_backend(db_url: str | None, tmp_path: Path) -> None:
    from govern.demo import build, populate
    from govern.reports import render_model_report, verify_report
    from govern.reports._gather import gather_model
    from govern.workspace import Workspace

    files = build(tmp_path / "files", small=True)
    with Workspace.init(tmp_path / ".govern", **({"database_url": db_url} if db_url else {})) as ws:
        ws.actor = "ci-bot"
        populate(ws, files)
        d = ws.gate_promote(GBM, "production")
        data = gather_model(ws.store, GBM, settings=ws.settings, rules=ws.packs.rules)
    assert data.decision is not None and data.decision.id == d.id
    assert [(f.rule_id, f.value, f.result) for f in data.decision.findings] == [
        (f.rule, f.value, f.result) for f in d.findings
    ]
    m = next(d.measurements[f.measurement] for f in d.findings if f.rule == "eu-ai-act/demographic-parity")
    table = next(t for t in data.fairness if t.metric == "selection_rate")
    assert {g.group: g.value for g in table.groups} == {k: v["selection_rate"] for k, v in m["per_group"].items()}
    assert (table.lower, table.upper) == (m["lower"], m["upper"])
    assert data.verification is not None and data.verification.ok
    render_model_report(data, tmp_path / "gbm.pdf")
    assert verify_report(tmp_path / "gbm.pdf").decisions == 1


ANNEX_IV = ["General description of the AI system", "Elements of the AI system and its development",
            "Monitoring, functioning and control", "Appropriateness of the performance metrics",
            "Risk management system", "Changes through the lifecycle",
            "Harmonised standards and specifications applied", "EU declaration of conformity",
            "Post-market monitoring"]  # fmt: skip


def test_annex_iv_has_the_nine_sections_with_their_status(world: SimpleNamespace) -> None:
    text = " ".join(world.text["annex"].split())  # pdftotext wraps table cells
    for number, title in enumerate(ANNEX_IV, 1):
        assert re.search(rf"{number}\. {re.escape(title)} (complete|partial|missing)", text), title
    status = {t: re.search(rf"{number}\. {re.escape(t)} (complete|partial|missing)", text).group(1)  # type: ignore[union-attr]
              for number, t in enumerate(ANNEX_IV, 1)}  # fmt: skip
    # The demo's card and evidence document the model; what only the provider can supply is missing.
    assert status["EU declaration of conformity"] == "missing"
    assert "missing: model tag eu_declaration_of_conformity" in text
    assert status["Post-market monitoring"] == "complete"  # the high tier's 30-day plan, and the retrain run
    assert "every 30 days, promotion held when overdue" in text
    assert world.decisions["lr_retrain"].id in text  # the last monitoring run
    assert status["Changes through the lifecycle"] == "complete"
    assert f"none -> production by ci-bot (decision {world.decisions['lr_allow'].id})" in text
    assert "Sections complete" in text and "of 9" in text
