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
    raise GovernError("demo_folder", f"no free govern-demo folder under {base}")


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
        self.say(f"   credit applications with a known bias: historical decisions rejected {BIAS_FLIP:.0%} of "
                 "creditworthy women; zip_group is an 80% proxy for race")
        self.say("   trained: credit-risk-gbm (LightGBM on the biased decisions, sees sex and zip_group) and "
                 "credit-risk-lr (logistic regression on observed repayment, financial features only)")

    def workspace(self) -> None:
        from govern.workspace import Workspace

        from . import populate

        self.ws = Workspace.init(self.root / ".govern", actor="ci-pipeline")
        populate(self.ws, self.files)
        for name, role in (("bob", "model_owner"), ("rita", "risk_officer"), ("ravi", "risk_officer"),
                           ("ci-pipeline", "ci"), ("ada", "auditor")):
            self.ws.create_token(name, role)
        self.say("   lineage: 3 dataset versions with data cards, 1 feature, 3 training runs (OpenLineage-style manifest)")
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
        self.summary.lines.append(f"credit-risk-gbm@1: {d.outcome} ({sum(f.blocking for f in d.findings)} failing rules)")

    def gate_fair(self) -> None:
        d = self.ws.gate_promote("credit-risk-lr@1", "production")
        self.say(f"   credit-risk-lr@1 -> production: {d.outcome.upper()} (exit {d.exit_code}); "
                 f"{sum(f.result == 'pass' for f in d.findings)} of {len(d.findings)} rules pass")
        if d.approval:
            self.request = d.approval["request"]
            self.say(f"   approval request {self.request}: {d.approval['summary']}")
