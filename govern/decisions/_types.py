"""The Decision and its findings: plain data, serialized canonically into the ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from govern.core import PROMOTION_TARGETS as PROMOTION_TARGETS
from govern.core import STAGES as STAGES
from govern.measurements import Threshold

if TYPE_CHECKING:
    from govern.policy import BoundRule

Outcome = Literal["allow", "deny", "pending_approval", "monitor", "review", "retrain"]
FindingResult = Literal["pass", "fail", "inconclusive", "error", "waived"]

EXIT_CODES: dict[str, int] = {
    "allow": 0,
    "deny": 1,
    "pending_approval": 3,
    "monitor": 0,
    "review": 3,
    "retrain": 4,
}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One rule's judgement of one model version."""

    rule: str  # pack/rule-id, unique across the loaded packs
    policy: str
    check: str
    require: str
    on_fail: str
    result: FindingResult
    value: float | None
    message: str
    controls: tuple[str, ...]
    measurement: str | None  # key into Decision.measurements; None when the check failed to run
    description: str = ""
    waiver: str | None = None
    threshold: Threshold | None = None  # the rule's first ``var <op> number`` comparison (reports show it)
    source: str | None = None  # "file:line" of the rule in its policy file (SARIF physicalLocation)

    @classmethod
    def of(
        cls,
        rule: BoundRule,
        *,
        result: FindingResult,
        value: float | None,
        message: str,
        measurement: str | None,
    ) -> Finding:
        """The finding of ``rule`` (its identity, controls and threshold copied from the rule)."""
        return cls(
            rule=rule.qualified_id,
            policy=rule.policy,
            check=rule.check,
            require=rule.require,
            on_fail=rule.on_fail,
            result=result,
            value=value,
            message=message,
            controls=rule.controls,
            measurement=measurement,
            description=rule.description,
            threshold=rule.threshold,
            source=rule.source or None,
        )

    @property
    def blocking(self) -> bool:
        """Whether this finding stops an allow (same rule as ``govern.policy.combine``)."""
        return self.result in ("inconclusive", "error") or (self.result == "fail" and self.on_fail != "warn")


@dataclass
class Decision:
    """The answer of a gate, with everything needed to reproduce and audit it."""

    id: str
    gate: Literal["promote", "retrain"]
    model: str
    target: str | None
    outcome: Outcome
    tier: str
    tier_rule: str
    requester: str
    time: str
    packs: dict[str, str]
    evidence: dict[str, str]
    bound_digest: str
    facts: dict[str, Any]
    findings: list[Finding]
    measurements: dict[str, dict[str, Any]]
    reasons: list[str] = field(default_factory=list)
    approval: dict[str, Any] | None = None
    champion: str | None = None
    stage_before: str | None = None
    stage_after: str | None = None
    ledger_seq: int | None = None
    ledger_hash: str | None = None
    registry: dict[str, Any] | None = None
    """After the decision: its write-back to the model registry (MLflow), when there was one."""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def document(self) -> dict[str, Any]:
        """The canonical record (without its own ledger position), as stored and digested."""
        doc = asdict(self)
        doc.pop("ledger_seq")
        doc.pop("ledger_hash")
        doc.pop("registry")
        doc["findings"] = [{**asdict(f), "controls": list(f.controls)} for f in self.findings]
        return doc

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.document(),
            "ledger_seq": self.ledger_seq,
            "ledger_hash": self.ledger_hash,
            **({"registry": self.registry} if self.registry is not None else {}),
            "exit_code": self.exit_code,
        }

    @classmethod
    def from_document(
        cls, doc: dict[str, Any], *, ledger_seq: int | None = None, ledger_hash: str | None = None
    ) -> Decision:
        data = dict(doc)
        data["findings"] = [_finding(f) for f in data["findings"]]
        return cls(**data, ledger_seq=ledger_seq, ledger_hash=ledger_hash)


def _finding(f: dict[str, Any]) -> Finding:
    threshold = f.get("threshold")
    return Finding(
        **{**f, "controls": tuple(f["controls"]), "threshold": Threshold(**threshold) if threshold else None}
    )
