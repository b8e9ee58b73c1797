"""The markup choices that keep WeasyPrint fast, checked on the HTML (no PDF here; the rendered
documents are read back in tests/integration/reports): chart titles as HTML captions, fixed
table layout with explicit column widths, exceptions as a listing that keeps every field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_samples import sample_model_report, sample_period_report

from govern.reports import GroupRate, model_report_html, monitoring_chart, period_report_html
from govern.reports._svg import group_rate_chart

HOSTILE = '<b>"x"</b> & y'
GROUPS = [GroupRate("a", 10, 0.5, 0.4, 0.6), GroupRate("b", 12, 0.25, 0.1, 0.4)]


def test_a_caption_chart_has_its_title_in_html_not_as_svg_text() -> None:
    chart = group_rate_chart(GROUPS, title=HOSTILE, caption=True)
    caption, svg = chart.split("<svg", 1)
    assert caption == '<figcaption class="chart-title">&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y</figcaption>'
    assert "&lt;b&gt;" in svg and "<b>" not in svg  # still the accessible name, escaped
    assert 'font-weight="bold"' not in svg  # the title is no longer drawn in the SVG
    assert re.search(r'viewBox="0 6 640 \d+"', svg)  # the title band is cropped


def test_a_chart_without_caption_draws_its_title_as_before() -> None:
    chart = group_rate_chart(GROUPS, title="rates", caption=False)
    assert chart.startswith("<svg") and '<text x="0" y="14"' in chart and 'viewBox="0 0 640 ' in chart
    # The web pages call the public chart without caption: the title stays inside the SVG.
    assert monitoring_chart([], title="history").startswith("<svg")


def test_axis_ticks_print_as_few_digits_as_they_need() -> None:
    ticks = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', group_rate_chart(GROUPS, title="t"))
    assert ticks == ["0", "0.2", "0.4", "0.6", "0.8", "1"]


def test_model_report_tables_are_fixed_with_column_widths_and_rule_id_columns_fit_the_widest_id() -> None:
    from govern.reports._measure import text_width_mm

    data = sample_model_report()
    assert data.decision is not None
    data.decision.findings[0].rule_id = "baseline/performance-floor-high-risk-credit"
    html, _ = model_report_html(data)
    tables = re.findall(r'<table class="([^"]+)">(<colgroup>.*?</colgroup>)?', html)
    data_tables = [cols for cls, cols in tables if cls.startswith("data")]
    assert data_tables and all(data_tables)  # every data table says its widths: none is automatic
    assert "auto" not in " ".join(cls for cls, _ in tables)
    percent = [cols for cols in data_tables if "mm" not in cols]
    for cols in percent:
        assert sum(int(w) for w in re.findall(r"width: (\d+)%", cols)) == 100
    # The rules tables (failing, all) and the reviews table size their rule column in mm.
    rule_cols = [float(re.search(r"width: ([\d.]+)mm", cols).group(1)) for cols in data_tables if "mm" in cols]  # type: ignore[union-attr]
    assert len(rule_cols) == 3
    widest = max(text_width_mm(f.rule_id, pt=8) for f in data.decision.findings)
    assert rule_cols[0] == rule_cols[1] >= widest + 3  # + the cell's padding
    assert html.count('<td class="nowrap">baseline/performance-floor-high-risk-credit') == 2  # failing and all rules


FONTS = Path("/usr/share/fonts/truetype/dejavu")


def test_text_widths_are_the_fonts_advance_widths() -> None:
    from fontTools.ttLib import TTFont  # WeasyPrint's own font library

    from govern.reports._measure import _WIDEST, column_mm, text_width_mm

    regular, bold = TTFont(FONTS / "DejaVuSans.ttf"), TTFont(FONTS / "DejaVuSans-Bold.ttf")
    per_unit = 2048 * 72 / 25.4  # the point size at which one font unit (1/2048 em) is 1 mm
    for code in range(32, 127):
        advance = regular["hmtx"][regular.getBestCmap()[code]][0]
        assert text_width_mm(chr(code), pt=per_unit) == pytest.approx(advance, abs=1e-9), chr(code)
    widest_bold = max(bold["hmtx"][bold.getBestCmap()[c]][0] for c in range(32, 127))
    assert widest_bold <= _WIDEST == text_width_mm("é", pt=per_unit)
    assert text_width_mm("ii", pt=10) < text_width_mm("mm", pt=10)
    assert text_width_mm("é", pt=10) > text_width_mm("m", pt=10)  # outside ASCII: counted wide
    assert column_mm(["x" * 500], pt=8) == 70.0  # capped


def test_period_exceptions_are_a_listing_with_every_field() -> None:
    data = sample_period_report(300)
    html, _ = period_report_html(data)
    section = html[html.index('id="exceptions"') : html.index('id="summary"')]
    assert "<table" not in section
    flat = "".join(section.split())
    for e in data.exceptions:
        assert e.kind.replace("_", " ") in section and e.decision_id in section and e.model in section
        assert "".join(e.summary.split()) in flat  # the summary wraps onto continuation lines


def test_charts_are_lifted_out_of_the_html_into_images_served_from_memory() -> None:
    from govern.reports._engine import lift_charts, local_fetcher, templates_dir

    html, _ = model_report_html(sample_model_report())
    lifted, charts = lift_charts(html)
    assert "<svg" in html and "<svg" not in lifted
    assert len(charts) == html.count("<svg") == lifted.count('<img class="chart"')
    assert all(svg.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"') for svg in charts.values())
    assert 'alt="Upstream lineage of credit-risk-gbm@1"' in lifted
    fetcher = local_fetcher(charts)
    name = next(iter(charts))
    assert fetcher.fetch((templates_dir() / name).as_uri()).read() == charts[name]
    for url in ((templates_dir() / "sub" / name).as_uri(), (templates_dir().parent / name).as_uri()):
        try:
            fetcher.fetch(url)
        except ValueError:
            continue
        raise AssertionError(url)  # a chart is served at its own name in the templates folder only
    assert len(fetcher.refused) == 2


def test_period_decisions_print_in_full_all_but_routine_ones_which_are_listed_by_id() -> None:
    from govern.reports import DecisionRecord, Finding

    data = sample_period_report(30)
    ident = lambda i: f"dec_{i:02d}" + "a" * 18  # noqa: E731  (24 characters, as govern's)

    def decision(i: int, outcome: str, *results: str, gate: str = "promote") -> DecisionRecord:
        findings = [Finding(f"rule-{i}-{n}", "fairness", 0.2, "upper <= 0.1", r) for n, r in enumerate(results)]  # type: ignore[arg-type]
        return DecisionRecord(ident(i), "m@1", gate, "production", outcome, data.decisions[0].time,
                              ledger_seq=i, findings=findings)  # fmt: skip

    data.decisions = [
        decision(1, "allow", "pass"),  # routine: by id
        decision(2, "pending_approval", "fail"),  # held for approval: by id
        decision(3, "deny", "fail", "pass"),
        decision(4, "allow", "waived"),  # a deny overridden by a waiver
        decision(5, "pending_approval", "error"),
        decision(6, "retrain", "fail", gate="retrain"),
        decision(7, "monitor", "pass", gate="retrain"),  # by id
        decision(8, "allow", "inconclusive"),
    ]
    html, _ = period_report_html(data)
    section = html[html.index('id="decisions"') : html.index('id="reviews"')]
    assert "m@1: 8 decisions (" in section
    for i in (3, 4, 5, 6, 8):  # the full id, its sequence and the rules not passing on its line
        line = next(x for x in section.splitlines() if ident(i) in x)
        assert re.search(rf"{ident(i)}\s+{i} rule-{i}-0", line), line
    assert "rule-3-1" not in section  # a passing rule is not listed
    assert "rule-4-0 (waived)" in section and "rule-5-0 (error)" in section and "rule-8-0 (inconclusive)" in section
    for i, outcome in ((1, "allow"), (2, "pending approval"), (7, "monitor")):
        line = next(x for x in section.splitlines() if ident(i)[:12] in x)
        assert (
            re.sub(r"^<pre[^>]*>", "", line).startswith(f"{outcome} by id (1)")
            and ident(i) not in section
            and f"rule-{i}-0" not in line
        )
    assert "3 are listed by id" in section and "5 are printed in full" in section
    assert section.count('<pre class="alt">') >= 1  # striped blocks: a class, not :nth-child


def test_ids_listed_by_id_are_abbreviated_only_as_far_as_they_stay_distinct() -> None:
    from govern.reports import DecisionRecord

    data = sample_period_report(30)
    same12 = ["dec_0123abcd" + tail for tail in ("11aa22bb33cc", "11aa99bb33cc", "ffffffffffff")]
    data.decisions = [
        DecisionRecord(i, "m@1", "promote", "production", "allow", data.decisions[0].time, ledger_seq=n, findings=[])
        for n, i in enumerate(same12)
    ]
    html, _ = period_report_html(data)
    section = html[html.index('id="decisions"') : html.index('id="reviews"')]
    # The first two share 16 characters: 17 tell all three apart, and each is printed to 17.
    for i in same12:
        assert re.search(rf"\b{i[:17]}\b", section) and i[:18] not in section
