"""Every control of the shipped catalogs is cited by a shipped rule, or marked ``procedural`` with
the reason no rule on a model can check it; never neither (issue 18, catalog coverage)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.core import GovernError, resource_path
from govern.policy import load_catalog, load_packs

POLICIES = resource_path("policies")
CATALOGS = resource_path("audit", "controls")


def cited_controls(policies: Path) -> set[str]:
    """Every control the packs cite: rules and policies, tiering rules, approvals documents."""
    return set(load_packs([policies]).cited_controls)


def coverage_gaps(catalogs: Path, policies: Path) -> dict[str, list[str]]:
    """``uncovered``: neither cited nor procedural; ``both``: procedural yet cited (stale reason)."""
    catalog = load_catalog(catalogs)
    cited = cited_controls(policies)
    return {
        "uncovered": sorted(c for c, ctl in catalog.items() if c not in cited and not ctl.procedural),
        "both": sorted(c for c, ctl in catalog.items() if c in cited and ctl.procedural),
    }


def test_every_shipped_control_is_cited_or_procedural() -> None:
    assert coverage_gaps(CATALOGS, POLICIES) == {"uncovered": [], "both": []}


def test_the_coverage_check_fails_for_an_uncited_control(tmp_path: Path) -> None:
    for path in CATALOGS.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    extra = tmp_path / "eu-ai-act.yaml"
    extra.write_text(
        extra.read_text(encoding="utf-8") + '  - {id: eu-ai-act/art-17, title: "Art. 17 Quality management system"}\n',
        encoding="utf-8",
    )
    assert coverage_gaps(tmp_path, POLICIES)["uncovered"] == ["eu-ai-act/art-17"]


def test_a_procedural_mark_needs_a_reason(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        'framework: x\ncontrols:\n  - {id: x/1, title: "One", procedural: ""}\n', encoding="utf-8"
    )
    with pytest.raises(GovernError) as info:
        load_catalog(tmp_path)
    assert info.value.code == "control_catalog_error"
    assert info.value.location is not None and info.value.location.line == 3


def test_article_12_is_the_ledger_and_run_authorship_is_annex_iv_point_2() -> None:
    catalog = load_catalog()
    packs = load_packs([POLICIES])
    citing_12 = [r.qualified_id for r in packs.rules if "eu-ai-act/art-12" in r.controls]
    assert citing_12 == []
    assert "ledger" in (catalog["eu-ai-act/art-12"].procedural or "")
    assert "ledger" in (catalog["iso-42001/a.6.2.8"].procedural or "")
    authorship = next(r for r in packs.rules if r.qualified_id == "eu-ai-act/development-process")
    assert "eu-ai-act/annex-iv-2" in authorship.controls and "r.author" in authorship.require


def test_cited_controls_include_tiering_and_approvals_documents() -> None:
    packs = load_packs([POLICIES])
    in_rules = {c for r in packs.rules for c in r.controls}
    only_elsewhere = packs.cited_controls - in_rules
    # Art. 6 and Annex III are cited by the tiering rules, SR 11-7 independence by the approvals
    # (Art. 14 by both the human-oversight approvals and the LLM pack's guardrails rule).
    assert {"eu-ai-act/art-6", "eu-ai-act/annex-iii-1", "sr-11-7/v-independence"} <= only_elsewhere
    assert in_rules <= packs.cited_controls
