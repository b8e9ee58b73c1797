"""EU AI Act Annex IV technical documentation of one model version, section by section.

Each of the nine points of Annex IV is filled from what govern holds (the model card, lineage,
the latest decision and its measurements, the stage history, the tier's monitoring plan) and
carries a status: ``complete`` when every item it needs is there, ``partial``, or ``missing``.
An item that is missing names where it would come from (e.g. ``model card
intended_use.primary_uses``), so a provider knows what to add; nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ._data import ModelReportData

Status = Literal["complete", "partial", "missing"]


@dataclass
class AnnexItem:
    label: str
    value: str  # "" when missing
    source: str  # where it comes from, e.g. "model card intended_use.primary_uses"

    @property
    def present(self) -> bool:
        return bool(self.value.strip())


@dataclass
class AnnexSection:
    number: int
    title: str
    basis: str  # the Annex IV point and articles
    items: list[AnnexItem] = field(default_factory=list)

    @property
    def status(self) -> Status:
        present = sum(i.present for i in self.items)
        if present == len(self.items):
            return "complete"
        return "missing" if present == 0 else "partial"

    @property
    def missing(self) -> list[str]:
        return [i.source for i in self.items if not i.present]


@dataclass
class AnnexContext:
    """What Annex IV needs beyond the model report's data."""

    stage_history: list[str] = field(default_factory=list)  # "time: from -> to by actor (why)"
    monitoring_plan: str = ""  # "every 30 days, promotion held when overdue" or ""
    monitoring_last_run: str = ""
    declaration_of_conformity: str = ""  # a reference the provider recorded (model tag), or ""


def _get(card: dict[str, Any] | None, path: str) -> Any:
    node: Any = card or {}
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        parts = [_text(v) for v in value]
        return "; ".join(p for p in parts if p)
    if isinstance(value, dict):
        for key in ("name", "description", "metric"):
            if value.get(key):
                extra = value.get("mitigation") or value.get("description") if key == "name" else ""
                return f"{value[key]}" + (f": {extra}" if extra and extra != value[key] else "")
        return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


def _card(card: dict[str, Any] | None, label: str, path: str) -> AnnexItem:
    return AnnexItem(label, _text(_get(card, path)), f"model card {path}")


def annex_iv_sections(data: ModelReportData, extra: AnnexContext) -> list[AnnexSection]:
    """The nine points of Annex IV for ``data``'s model version, each with its items and status."""
    card = data.card
    nodes = data.lineage.nodes
    datasets = [n.ref for n in nodes if n.kind == "dataset"]
    runs = [n.ref for n in nodes if n.kind == "run"]
    findings = data.decision.findings if data.decision else []
    performance = [f for f in findings if f.check == "performance"]
    fairness = "; ".join(
        f"{t.metric.replace('_', ' ')} by {t.attribute}: difference {t.difference:.3f}"
        + (f" (threshold {t.threshold:g})" if t.threshold is not None else "")
        for t in data.fairness
    )
    evaluated = (
        f"{len(findings)} policy rules at the {data.decision.gate} gate to {data.decision.target} "
        f"on {data.decision.time}: {data.decision.outcome} (decision {data.decision.id})"
        if data.decision
        else ""
    )
    standards = sorted({c.framework for c in data.controls if c.status == "evidenced"})
    return [
        AnnexSection(1, "General description of the AI system", "Annex IV(1); Art. 11, 13", [
            _card(card, "Intended purpose", "intended_use.primary_uses"),
            _card(card, "Intended deployers and users", "intended_use.primary_users"),
            _card(card, "Uses out of scope", "intended_use.out_of_scope"),
            _card(card, "Description", "model_details.description"),
            _card(card, "Version", "model_details.version"),
            AnnexItem("Provider (owners)", _text(_get(card, "model_details.owners")) or data.owner,
                      "model card model_details.owners"),
        ]),
        AnnexSection(2, "Elements of the AI system and its development", "Annex IV(2); Art. 10, 14, 15", [
            _card(card, "Design and model type", "model_details.model_type"),
            _card(card, "Training data", "training_data.datasets"),
            AnnexItem("Data provenance (lineage)", ", ".join(datasets), "lineage: upstream datasets"),
            AnnexItem("Training runs", ", ".join(runs), "lineage: training runs"),
            _card(card, "Human oversight measures", "human_oversight.description"),
            AnnexItem("Validation and testing", evaluated, "a gate decision on recorded evidence"),
        ]),
        AnnexSection(3, "Monitoring, functioning and control", "Annex IV(3); Art. 13, 14, 15", [
            _card(card, "Capabilities and limitations", "caveats_and_recommendations"),
            AnnexItem("Accuracy for persons or groups", fairness, "fairness measurements of the latest decision"),
            _card(card, "Foreseeable unintended outcomes and risks", "ethical_considerations"),
            _card(card, "Input data specifications", "evaluation_data.description"),
        ]),
        AnnexSection(4, "Appropriateness of the performance metrics", "Annex IV(4); Art. 15", [
            _card(card, "Metrics and thresholds", "metrics"),
            AnnexItem("Measured performance", "; ".join(f"{f.rule_id}: {f.value} ({f.result})" for f in performance),
                      "performance rules of the latest decision"),
        ]),
        AnnexSection(5, "Risk management system", "Annex IV(5); Art. 9", [
            AnnexItem("Risk tier", data.tier, "tiering rules of the policy packs"),
            AnnexItem("Risks evaluated by policy", evaluated, "a gate decision on recorded evidence"),
            _card(card, "Risks and mitigations", "ethical_considerations"),
        ]),
        AnnexSection(6, "Changes through the lifecycle", "Annex IV(6); Art. 12", [
            AnnexItem("Stage history", "; ".join(extra.stage_history) or "registered; no stage change yet",
                      "stage changes in the ledger"),
        ]),
        AnnexSection(7, "Harmonised standards and specifications applied", "Annex IV(7); Art. 40, 41", [
            AnnexItem("Frameworks with evidenced controls", ", ".join(standards),
                      "controls evidenced by the latest decision"),
        ]),
        AnnexSection(8, "EU declaration of conformity", "Annex IV(8); Art. 47", [
            AnnexItem("Declaration (reference)", extra.declaration_of_conformity,
                      "model tag eu_declaration_of_conformity (drawn up by the provider)"),
        ]),
        AnnexSection(9, "Post-market monitoring", "Annex IV(9); Art. 72", [
            AnnexItem("Monitoring plan", extra.monitoring_plan, "a MonitoringPlan for the tier in the policy packs"),
            AnnexItem("Last monitoring run", extra.monitoring_last_run or ("none yet" if extra.monitoring_plan else ""),
                      "a retraining-gate run on production data"),
        ]),
    ]  # fmt: skip
