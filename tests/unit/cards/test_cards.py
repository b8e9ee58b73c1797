"""Model cards: the three formats, located problems, tier requirements, flat fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.cards import (
    ModelCard,
    card_fields,
    card_json_schema,
    load_card,
    missing_fields,
    read_card,
    required_fields,
    validate_card,
)
from govern.core import GovernError

ROOT = Path(__file__).resolve().parents[3]
CARDS = ROOT / "model_cards"
BAD = ROOT / "tests" / "data" / "cards"


def test_demo_cards_are_valid_for_high_risk() -> None:
    for name in ("credit-risk-gbm.md", "credit-risk-lr.json"):
        assert validate_card(CARDS / name, tier="high") == [], name


def test_hugging_face_card_maps_front_matter_model_index_and_sections() -> None:
    card = load_card(CARDS / "credit-risk-gbm.md")
    assert card.model_details.name == "credit-risk-gbm"
    assert card.model_details.license == "apache-2.0"
    assert card.risk_tier == "high"
    assert card.intended_use.out_of_scope[0] == "Mortgage or business lending."
    by_group = {(q.metric, q.group): q.value for q in card.quantitative_analyses}
    assert by_group[("Approval rate", "sex=female")] == 0.43
    assert by_group[("AUC", None)] == 0.842
    assert [m.name for m in card.metrics] == ["roc_auc", "demographic_parity_difference", "equalized_odds_difference"]
    assert card.training_data.datasets[0].name == "credit-applications-2023"


def test_model_card_toolkit_json_is_converted() -> None:
    card = load_card(CARDS / "credit-risk-lr.json")
    assert card.model_details.version == "1"
    assert card.model_details.license == "Apache-2.0"
    assert card.factors == ["sex", "age_band"]
    dpd = next(q for q in card.quantitative_analyses if q.metric == "demographic_parity_difference")
    assert (dpd.value, dpd.lower, dpd.upper, dpd.threshold) == (0.03, 0.01, 0.06, 0.10)
    assert card.training_data.datasets[0].url == "dataset:credit-applications-2023@3"
    assert card.human_oversight.reviewers == ["credit_officer", "risk_officer"]


def test_required_fields_nest_by_tier_and_unknown_tier_is_an_error() -> None:
    minimal, limited, high = (set(required_fields(t)) for t in ("minimal", "limited", "high"))
    assert minimal < limited < high
    assert required_fields("prohibited") == required_fields("high")
    assert {"human_oversight", "training_data", "quantitative_analyses"} <= high
    with pytest.raises(GovernError) as err:
        required_fields("severe")
    assert err.value.code == "card_tier_unknown"


def test_card_fields_flat_names_cover_every_required_field() -> None:
    card = load_card(CARDS / "credit-risk-lr.json")
    fields = card_fields(card)
    for name in required_fields("high"):
        assert name in fields, name
    assert fields["model_details.name"] == "credit-risk-lr"
    assert fields["training_data"]["datasets"][0]["name"].startswith("credit-applications-2023")
    assert json.loads(json.dumps(fields)) == fields  # JSON values only


def test_missing_fields_treat_placeholders_and_empty_sections_as_missing() -> None:
    card = ModelCard.model_validate(
        {"model_details": {"name": "m", "version": "1", "owners": ["x"]}, "intended_use": {"primary_uses": ["TBD"]},
         "training_data": {"description": "", "datasets": []}}
    )  # fmt: skip
    assert missing_fields(card, "minimal") == ["intended_use.primary_uses"]
    assert "training_data" in missing_fields(card, "high")


def _codes(path: Path, **kw: object) -> list[tuple[str, int | None, int | None, str | None]]:
    return [(p.code, p.location.line, p.location.col, p.location.path) for p in validate_card(path, **kw)]  # type: ignore[arg-type]


def test_front_matter_yaml_error_is_located_in_the_file() -> None:
    [(code, line, _col, _)] = _codes(BAD / "card_front_matter_yaml_broken.md")
    assert code == "card_parse_error"
    assert line in (5, 6)  # the unclosed flow list opened on line 5


def test_model_index_value_not_a_number_points_at_the_value() -> None:
    problems = _codes(BAD / "card_model_index_value_not_number.md")
    assert problems == [("card_metric_invalid", 14, 30, None)]


def test_misspelt_key_is_a_schema_error_at_the_key() -> None:
    [(code, line, col, _)] = _codes(BAD / "card_key_misspelt.yaml")
    assert (code, line, col) == ("card_schema_error", 8, 3)


def test_mct_problems_carry_json_paths() -> None:
    problems = _codes(BAD / "card_mct_high_missing_fields.json")
    bad_value = [p for p in problems if p[0] == "card_metric_invalid"]
    assert bad_value == [("card_metric_invalid", 11, 28, "$.quantitative_analysis.performance_metrics[1].value")]
    missing = {p[3] for p in problems if p[0] == "card_field_missing"}
    assert "$.model_details.overview" in missing  # model_details.description
    assert "$.considerations.out_of_scope_uses" in missing
    assert "$.govern.human_oversight" in missing


def test_json_syntax_error_is_located() -> None:
    [(code, line, _col, _)] = _codes(BAD / "card_json_trailing_comma.json")
    assert (code, line) == ("card_parse_error", 4)


def test_template_placeholders_do_not_document_anything() -> None:
    problems = validate_card(BAD / "card_template_placeholders.md")
    assert [p.code for p in problems] == ["card_field_missing"]
    assert "intended_use.primary_uses" in problems[0].message
    template = validate_card(CARDS / "template.md")
    assert {p.code for p in template} == {"card_field_missing"}


def test_unknown_extension_and_unreadable_file() -> None:
    assert read_card(Path("card.txt")).problems[0].code == "card_format_unknown"
    assert read_card(BAD / "missing.md").problems[0].code == "card_unreadable"
    with pytest.raises(GovernError) as err:
        load_card(BAD / "card_key_misspelt.yaml")
    assert err.value.code == "card_schema_error" and err.value.location.line == 8


def test_checked_in_json_schema_is_generated_from_the_model() -> None:
    on_disk = json.loads((CARDS / "model-card.schema.json").read_text())
    assert on_disk == card_json_schema()


def test_cli_validate_prints_located_problems_and_exits_2(cli: type) -> None:
    bad = cli.run("card", "validate", str(BAD / "card_key_misspelt.yaml"))
    assert bad.returncode == 2, bad.stderr
    assert bad.stdout.strip() == (
        f"{BAD / 'card_key_misspelt.yaml'}:8:3: card_schema_error: "
        "intended_use.out_of_scoep: Extra inputs are not permitted"
    )
    ok = cli.run("card", "validate", str(CARDS / "credit-risk-gbm.md"), "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["valid"] is True
    tier = cli.run("card", "validate", str(CARDS / "credit-risk-gbm.md"), "--tier", "severe")
    assert tier.returncode == 2 and "card_tier_unknown" in tier.stderr and "Traceback" not in tier.stderr


def test_heading_lines_inside_code_are_not_sections() -> None:
    card = load_card(BAD / "card_heading_in_code_fence.md")
    # The fenced "# Training data" and the indented "# Metrics" are code; the setext heading is real.
    assert card.training_data is not None
    assert card.training_data.description == "Loan applications 2019-2023 (a setext heading is a heading)."
    assert card.metrics == []
    assert any("load(" in use for use in card.intended_use.primary_uses)  # the code stays where it was
    assert validate_card(BAD / "card_heading_in_code_fence.md") == []


def test_fenced_heading_alone_leaves_the_section_missing(tmp_path: Path) -> None:
    text = (BAD / "card_heading_in_code_fence.md").read_text(encoding="utf-8").split("    # Metrics")[0]
    path = tmp_path / "fence_only.md"
    path.write_text(text, encoding="utf-8")
    card = load_card(path)
    assert card.training_data is None or not card.training_data.description


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("card_section_twice.md", [("card_section_ambiguous", 17, 1, None)]),
        ("card_heading_in_blockquote.md", [("card_section_ambiguous", 13, 1, None)]),
        ("card_fence_unclosed.md", [("card_fence_unclosed", 13, 1, None)]),
    ],
)
def test_ambiguous_markdown_is_a_located_problem(name: str, expected: list[tuple[str, int, int, None]]) -> None:
    assert _codes(BAD / name) == expected
    with pytest.raises(GovernError) as err:
        load_card(BAD / name)
    assert err.value.code == expected[0][0] and err.value.location.line == expected[0][1]


def test_section_twice_names_both_headings() -> None:
    (problem,) = validate_card(BAD / "card_section_twice.md")
    assert "'Training Data'" in problem.message and "'Training data' (line 13)" in problem.message
