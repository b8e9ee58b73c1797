"""Annex IV sections from plain report data: every card field a section needs is named when it
is missing, and removing it changes that section's status (no PDF here; see
tests/integration/reports/test_gather.py for the rendered document)."""

from __future__ import annotations

import copy

import pytest

from govern.demo import demo_card
from govern.reports import AnnexContext, LineageGraph, LineageNode, ModelReportData, annex_iv_sections

CARD_FIELDS = [
    (1, "intended_use.primary_uses"),
    (1, "intended_use.primary_users"),
    (1, "intended_use.out_of_scope"),
    (1, "model_details.description"),
    (1, "model_details.version"),
    (2, "model_details.model_type"),
    (2, "training_data.datasets"),
    (2, "human_oversight.description"),
    (3, "caveats_and_recommendations"),
    (3, "ethical_considerations"),
    (3, "evaluation_data.description"),
    (4, "metrics"),
]


def _data(card: dict) -> ModelReportData:  # type: ignore[type-arg]
    lineage = LineageGraph(nodes=[LineageNode("dataset:credit/applications@1", "dataset"),
                                  LineageNode("run:train-lr", "run")])  # fmt: skip
    return ModelReportData(model="credit-risk-lr@1", tier="high", stage="staging", generated_at="2026-12-03T00:00:00Z",
                           owner="bob", card=card, lineage=lineage)  # fmt: skip


def _status(card: dict) -> dict[int, tuple[str, list[str]]]:  # type: ignore[type-arg]
    sections = annex_iv_sections(_data(card), AnnexContext(monitoring_plan="every 30 days"))
    return {s.number: (s.status, s.missing) for s in sections}


def test_the_demo_card_fills_every_card_item() -> None:
    status = _status(demo_card("credit-risk-lr", "1"))
    missing = [m for _, (_, ms) in status.items() for m in ms if m.startswith("model card")]
    assert missing == []
    assert [n for n, (s, _) in status.items() if s == "complete"] == [1, 6, 9]  # no decision or evidence yet


@pytest.mark.parametrize(("section", "path"), CARD_FIELDS, ids=[p for _, p in CARD_FIELDS])
def test_removing_a_card_field_it_needs_is_reported(section: int, path: str) -> None:
    card = copy.deepcopy(demo_card("credit-risk-lr", "1"))
    node = card
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[part]
    assert node.get(leaf), f"the demo card documents {path}"
    del node[leaf]
    status, missing = _status(card)[section]
    assert f"model card {path}" in missing
    assert status in ("partial", "missing")


def test_without_a_card_or_plan_sections_are_missing() -> None:
    sections = {s.number: s for s in annex_iv_sections(_data({}), AnnexContext())}
    assert sections[4].status == "missing" and sections[8].status == "missing" and sections[9].status == "missing"
    assert sections[1].status == "partial"  # the owner is known from the registration
