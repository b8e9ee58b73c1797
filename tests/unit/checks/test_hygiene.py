"""Documentation and lineage hygiene over facts."""

from __future__ import annotations

from govern.checks import DEFAULT_REQUIRED_FIELDS, documentation, lineage_hygiene


def test_documentation_default_fields_by_tier_and_override() -> None:
    card = {
        "model_details": {"name": "m", "version": "1", "owners": ["risk-team"], "description": ""},
        "intended_use": {"primary_uses": ["credit scoring"]},
        "metrics": {"auc": 0.8},
    }
    minimal = documentation(card, tier="minimal")
    assert minimal.complete and minimal.value == 1.0
    high = documentation(card, tier="high")
    assert not high.complete
    assert "model_details.description" in high.missing  # empty string is absent
    assert "human_oversight" in high.missing
    assert high.value == (len(DEFAULT_REQUIRED_FIELDS["high"]) - len(high.missing)) / len(
        DEFAULT_REQUIRED_FIELDS["high"]
    )
    custom = documentation(card, tier="high", required=["metrics.auc", "metrics.f1"])
    assert custom.missing == ["metrics.f1"] and custom.value == 0.5
    # an unknown tier fails closed to the high list
    assert documentation(card, tier=None).required == list(DEFAULT_REQUIRED_FIELDS["high"])


def test_lineage_violations() -> None:
    lineage = {
        "datasets": [
            {
                "name": "loans",
                "version": "2",
                "license": "",
                "contains_pii": True,
                "consent": "",
                "deprecated": True,
                "flagged": False,
            },
            {
                "name": "bureau",
                "version": "1",
                "license": "CC-BY-4.0",
                "contains_pii": True,
                "consent": "contract",
                "deprecated": False,
                "flagged": True,
                "has_card": False,
            },
        ],
        "runs": [{"id": "r1", "author": "ana", "code_commit": ""}],
    }
    result = lineage_hygiene(lineage)
    assert result.violations == [
        "dataset:loans@2 has no license",
        "dataset:loans@2 is deprecated",
        "dataset:loans@2 contains personal data without a consent basis",
        "dataset:bureau@1 has no data card",
        "dataset:bureau@1 is flagged",
        "run:r1 has no code commit recorded",
    ]
    assert result.value == 6.0 and not result.complete
    assert lineage_hygiene({}).violations == ["no upstream dataset is recorded", "no training run is recorded"]
    clean = {"datasets": [{"name": "x", "version": "1", "license": "MIT"}], "runs": [{"id": "r", "code_commit": "abc"}]}
    assert lineage_hygiene(clean).to_json() == {"value": 0.0, "violations": [], "complete": True, "inconclusive": False}
