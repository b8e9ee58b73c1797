"""``govern demo``: the whole job on the embedded SQLite default, step by step.

Each step prints what it does and what govern decided; the folder it works in is named at the
end. Steps that talk HTTP start a real ``govern serve`` on loopback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.core import GovernError

from ._codes import DEMO_DEPENDENCY_MISSING, DEMO_FOLDER, DEMO_STEP_FAILED

Say = Callable[[str], None]


@dataclass
class Summary:
    lines: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)


def _new_folder(base: Path) -> Path:
    for i in range(1000):
        candidate = base / ("govern-demo" if i == 0 else f"govern-demo-{i}")
        if not candidate.exists():
            candidate.mkdir(parents=True)
            return candidate
    raise GovernError(DEMO_FOLDER, f"no free govern-demo folder under {base}")


class Demo:
    """The demo's steps; ``run`` executes them in order with timing and progress."""

    def __init__(self, base: Path, say: Say) -> None:
        self.root = _new_folder(base)
        self.say = say
        self.summary = Summary()
        self.ws: Any = None
        self.files: Any = None

    def step(self, title: str, fn: Callable[[], None]) -> None:
        self.say(f"\n== {title}")
        t0 = time.perf_counter()
        fn()
        self.say(f"   ({time.perf_counter() - t0:.1f} s)")

    # -- steps ---------------------------------------------------------------------------------

    def data(self) -> None:
        from . import BIAS_FLIP, build

        self.files = build(self.root / "inputs")
        self.say(
            f"   credit applications with a known bias: historical decisions rejected {BIAS_FLIP:.0%} of "
            "creditworthy women; zip_group is an 80% proxy for race"
        )
        self.say(
            "   trained: credit-risk-gbm (LightGBM on the biased decisions, sees sex and zip_group) and "
            "credit-risk-lr (logistic regression on observed repayment, financial features only)"
        )

    def workspace(self) -> None:
        from govern.workspace import Workspace

        from . import populate

        self.ws = Workspace.init(self.root / ".govern")
        self.ws.actor = "ci-pipeline"
        populate(self.ws, self.files)
        for name, role in (
            ("bob", "model_owner"),
            ("rita", "risk_officer"),
            ("ravi", "risk_officer"),
            ("ci-pipeline", "ci"),
            ("ada", "auditor"),
            ("vera", "validator"),
        ):
            self.ws.create_token(name, role)
        self.say(
            "   lineage: 3 dataset versions with data cards, 1 feature, 3 training runs (OpenLineage-style manifest)"
        )
        for ref in ("credit-risk-gbm@1", "credit-risk-lr@1"):
            tier = self.ws.lineage(ref).nodes[self.ws.lineage(ref).root].attrs["tier"]
            self.say(f"   registered {ref}: tier {tier} (EU AI Act Annex III: credit scoring), owner bob")

    def gate_biased(self) -> None:
        d = self.ws.gate_promote("credit-risk-gbm@1", "production")
        self.say(f"   credit-risk-gbm@1 -> production: {d.outcome.upper()} (exit {d.exit_code})")
        for f in d.findings:
            if f.result == "fail" and f.check == "fairness":
                m = d.measurements.get(f.measurement or "", {})
                ci = f" [CI {m['lower']:.3f}, {m['upper']:.3f}]" if "upper" in m else ""
                self.say(f"     FAIL {f.rule}: {f.value:.3f}{ci}  require {f.require}  ({f.on_fail})")
        self.summary.lines.append(
            f"credit-risk-gbm@1: {d.outcome} ({sum(f.blocking for f in d.findings)} failing rules)"
        )

    def gate_fair(self) -> None:
        d = self.ws.gate_promote("credit-risk-lr@1", "production")
        self.say(
            f"   credit-risk-lr@1 -> production: {d.outcome.upper()} (exit {d.exit_code}); "
            f"{sum(f.result == 'pass' for f in d.findings)} of {len(d.findings)} rules pass"
        )
        if d.approval:
            self.request = d.approval["request"]
            self.say(f"   approval request {self.request}: {d.approval['summary']}")

    def approvals_over_http(self) -> None:
        import httpx

        with _Server(self.ws.settings.workspace) as base:
            self.say(f"   govern serve on {base} (OpenAPI at {base}/docs)")
            tokens = {
                name: self.ws.create_token(name, role)[0]
                for name, role in (("bob", "model_owner"), ("rita", "risk_officer"), ("ravi", "risk_officer"))
            }
            url = f"{base}/v1/approvals/{self.request}/approve"
            with httpx.Client(timeout=60) as http:

                def vote(who: str) -> httpx.Response:
                    return http.post(
                        url,
                        headers={"Authorization": f"Bearer {tokens[who]}"},
                        json={"justification": f"{who}: fairness, accuracy and card reviewed"},
                    )

                refused = vote("bob")
                problem = refused.json()
                self.say(
                    f"   bob (model owner) approves: HTTP {refused.status_code} {problem.get('code')}: "
                    f"{problem.get('detail')}"
                )
                for who in ("rita", "ravi"):
                    r = vote(who)
                    r.raise_for_status()
                    self.say(f"   {who} (risk officer) approves: HTTP {r.status_code}, request {r.json()['status']}")
        d = self.ws.gate_promote("credit-risk-lr@1", "production")
        self.say(f"   gate again: {d.outcome.upper()} (exit {d.exit_code}); credit-risk-lr@1 is now in {d.stage_after}")
        self.summary.lines.append(f"credit-risk-lr@1: {d.outcome} after 2 independent approvals (owner refused)")

    def retrain(self) -> None:
        from . import register

        d = self.ws.gate_retrain("credit-risk-lr@1", self.files.current)
        worst = max((f for f in d.findings if f.check == "drift"), key=lambda f: f.value or 0, default=None)
        self.say(
            f"   drifted production data (a downturn: incomes down, debt up): {d.outcome.upper()} "
            f"(exit {d.exit_code})" + (f"; max PSI {worst.value:.2f}" if worst and worst.value else "")
        )
        self.summary.lines.append(f"retraining gate on production data: {d.outcome}")
        register(self.ws, "credit-risk-lr@2", "train-lr-2024-09", replaces="credit-risk-lr@1")
        from . import EVAL_MAPPING

        self.ws.add_evidence("credit-risk-lr@2", "evaluation", self.files.retrain_eval, mapping=EVAL_MAPPING)
        self.ws.add_evidence("credit-risk-lr@2", "model", self.files.retrain_model)
        self.ws.add_evidence("credit-risk-lr@2", "reference", self.files.retrain_reference)
        self.ws.add_evidence("credit-risk-lr@2", "explanation", self.files.retrain_explanation)
        first = self.ws.gate_promote("credit-risk-lr@2", "production")
        self.say(f"   retrained candidate credit-risk-lr@2 (replaces @1): {first.outcome.upper()}")
        if first.approval:
            from govern.decisions import vote

            for who in ("rita", "ravi"):
                vote(
                    self.ws.context,
                    first.approval["request"],
                    self.ws.principal(who),
                    "approve",
                    "retrained on current data; fairness and accuracy reviewed",
                )
        d = self.ws.gate_promote("credit-risk-lr@2", "production")
        self.say(f"   after review: {d.outcome.upper()} (exit {d.exit_code})")
        self.summary.lines.append(f"credit-risk-lr@2 (retrained): {d.outcome}")

    def after_promotion(self) -> None:
        from datetime import timedelta

        from govern import incidents, reviews
        from govern.core import utcnow

        model, rita, ravi, vera = "credit-risk-lr@2", *(self.ws.principal(n) for n in ("rita", "ravi", "vera"))
        opened = incidents.open_incident(
            self.ws.context,
            rita,
            title="applicants in one region report unexplained denials",
            category="fundamental_rights",
            models=[model],
        )
        self.say(
            f"   incident {opened.id} ({opened.category}): initial report due within {opened.deadline_days} days, "
            f"by {opened.deadline_at:%Y-%m-%d} (EU AI Act Art. 73(2))"
        )
        held = self.ws.gate_promote(model, "production")
        self.say(f"   gate while it is open: {held.outcome.upper()}: {held.reasons[0]}")
        report = self.root / "inputs" / "incident-initial-report.txt"
        report.write_text("Initial report: denial rates by region under investigation.\n", encoding="utf-8")
        incidents.report_incident(self.ws.context, rita, opened.id, report)
        incidents.close_incident(self.ws.context, ravi, opened.id, resolution="region feature audited; no defect")
        self.say("   initial report filed, incident closed by ravi (not the model's owner)")
        finding = reviews.open_finding(
            self.ws.context,
            vera,
            model,
            title="calibration of the top score decile not documented",
            severity="medium",
            owner="bob",
            due_at=utcnow() + timedelta(days=60),
        )
        with self.ws.store.read() as session:
            status = reviews.review_status(session, model)
        self.say(
            f"   validation finding {finding.id} ({finding.severity}) owned by bob, due {finding.due_at:%Y-%m-%d}; "
            f"next periodic review of {model} ({status.tier} tier) due {status.next_due_at:%Y-%m-%d}"
        )
        from govern.decisions import monitoring_status

        later = utcnow() + timedelta(days=31)
        with self.ws.store.read() as session:
            plan = next(m for m in monitoring_status(session, self.ws.packs, now=later) if m.model == model)
        self.say(
            f"   monitoring plan of {model}: a run every {plan.every_days:g} days; on {later:%Y-%m-%d} without "
            f"one it is {'OVERDUE' if plan.overdue else 'on time'} (due {plan.due_at:%Y-%m-%d}) and holds its "
            "next promotion (EU AI Act Art. 72)"
        )
        window = self.ws.gate_retrain(model, self.files.current)
        with self.ws.store.read() as session:
            after = next(m for m in monitoring_status(session, self.ws.packs) if m.model == model)
        self.say(
            f"   monitoring window of production data: run {window.id} -> {window.outcome.upper()}; "
            f"next run due {after.due_at:%Y-%m-%d}"
        )
        self.summary.lines.append(
            f"after promotion: incident held the gate ({held.outcome}) until closed; one open validation finding; "
            f"monitoring plan every {plan.every_days:g} days"
        )

    def reports(self) -> None:
        from govern.core import utcnow

        out = self.root / "reports"
        out.mkdir()
        model_pdf, period_pdf = out / "credit-risk-lr-2.pdf", out / "period.pdf"
        self.ws.report_model("credit-risk-lr@2", model_pdf)
        now = utcnow()
        self.ws.report_period(
            now.replace(hour=0, minute=0, second=0, microsecond=0), now.replace(year=now.year + 1), period_pdf
        )
        self.say(f"   model report (PDF/A-3b, decisions, proofs, checkpoint and key attached): {model_pdf}")
        self.say(f"   period report (every decision, approval, waiver and stage change): {period_pdf}")
        annex_pdf = out / "credit-risk-lr-2-annex-iv.pdf"
        sections = self.ws.report_annex_iv("credit-risk-lr@2", annex_pdf)
        done = sum(s.status == "complete" for s in sections)
        self.say(
            f"   EU AI Act Annex IV technical documentation ({done} of {len(sections)} sections complete): {annex_pdf}"
        )
        self.summary.files.update({"model report": model_pdf, "period report": period_pdf, "Annex IV": annex_pdf})

    def audit(self) -> None:
        import json
        import subprocess
        import sys

        out = self.root / "audit"
        out.mkdir()
        env = _env(self.ws.settings.workspace)

        def govern(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "govern", *args], env=env, capture_output=True, text=True, timeout=300
            )

        checkpoint, proof, keys = out / "checkpoint.txt", out / "inclusion-proof.json", out / "public-keys.txt"
        for args in (("audit", "checkpoint", "-o", str(checkpoint)), ("audit", "public-key", "-o", str(keys))):
            result = govern(*args)
            if result.returncode != 0:
                raise GovernError(DEMO_STEP_FAILED, f"govern {' '.join(args)}: {result.stderr.strip()}")
        verified = govern("audit", "verify", "--checkpoint", str(checkpoint))
        self.say(f"   govern audit verify: exit {verified.returncode}: {verified.stdout.strip()}")
        seq = self._last_decision_seq()
        result = govern("audit", "prove", str(seq), "--checkpoint", str(checkpoint), "-o", str(proof))
        offline = govern(
            "audit", "verify-proof", str(proof), "--checkpoint", str(checkpoint), "--public-key", str(keys)
        )
        self.say(
            f"   inclusion proof of decision entry {seq}, verified offline (no database): exit "
            f"{offline.returncode}: {offline.stdout.strip() or offline.stderr.strip()}"
        )
        from_pdf = govern(
            "audit", "verify-proof", "--pdf", str(self.summary.files["model report"]), "--public-key", str(keys)
        )
        self.say(
            f"   the model report's attachments verified with no database: exit {from_pdf.returncode}: "
            f"{from_pdf.stdout.strip().splitlines()[-1] if from_pdf.stdout.strip() else from_pdf.stderr.strip()}"
        )
        if verified.returncode or offline.returncode or result.returncode or from_pdf.returncode:
            raise GovernError(DEMO_STEP_FAILED, "ledger verification failed")
        self.summary.files.update({"checkpoint": checkpoint, "inclusion proof": proof, "public keys": keys})
        self.summary.lines.append(
            f"ledger intact ({json.loads(proof.read_text()).get('tree_size', '?')} entries at "
            "the checkpoint); one inclusion proof verified offline"
        )

    def _last_decision_seq(self) -> int:
        from govern.decisions import last_decision_seq

        with self.ws.store.read() as session:
            return last_decision_seq(session)

    def run(self) -> Summary:
        steps = [
            ("1. Data with a known bias, two models trained", self.data),
            ("2. Workspace: lineage, model registration (tiering), evidence", self.workspace),
            ("3. Promotion gate: the biased model", self.gate_biased),
            ("4. Promotion gate: the fairer model", self.gate_fair),
            ("5. Approvals over the HTTP API (separation of duties)", self.approvals_over_http),
            ("6. Retraining gate on drifted production data; the retrained candidate", self.retrain),
            (
                "7. After promotion: a serious incident holds the gate; a finding; review date; the monitoring plan",
                self.after_promotion,
            ),
            ("8. Compliance reports as PDF", self.reports),
            ("9. Audit: signed checkpoint, verification, offline proofs (also from the PDF alone)", self.audit),
        ]
        for title, fn in steps:
            self.step(title, fn)
        self.ws.close()
        return self.summary


def _env(workspace: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env["GOVERN_WORKSPACE"] = str(workspace)
    env["GOVERN_ACTOR"] = "ada"
    return env


class _Server:
    """A real ``govern serve`` on a free loopback port, for the duration of a ``with`` block."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def __enter__(self) -> str:
        import socket
        import subprocess
        import sys

        import httpx

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "govern", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(self.workspace),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GovernError(DEMO_STEP_FAILED, f"govern serve exited: {self.proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.2)
        raise GovernError(DEMO_STEP_FAILED, "govern serve did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def run_demo(base: Path, say: Say) -> Summary:
    """Run the demo in a new folder under ``base``; returns what was decided and written.

    Raises ``GovernError(demo_dependency_missing)`` before writing anything when the ``demo``
    extra (lightgbm) is not installed.
    """
    import importlib.util

    if importlib.util.find_spec("lightgbm") is None:
        from govern.core import GovernError

        raise GovernError(
            DEMO_DEPENDENCY_MISSING,
            "govern demo trains a LightGBM model; install the demo extra: pip install 'govern[demo]'",
        )
    demo = Demo(base, say)
    say(f"govern demo in {demo.root}")
    summary = demo.run()
    summary.files["workspace"] = demo.root / ".govern"
    return summary
