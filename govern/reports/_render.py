"""Model, period and card reports: data -> context -> HTML -> PDF (or HTML)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from govern.core import GovernError

from . import _svg
from ._annex import AnnexContext, AnnexSection, annex_iv_sections
from ._attachments import describe, evidence_files, file_rows
from ._codes import REPORT_DATA_INVALID, REPORT_FORMAT_UNKNOWN
from ._data import ModelReportData, PeriodReportData
from ._engine import render_html, write_html, write_pdf
from ._format import fmt, when
from ._measure import column_mm

_FRAMEWORK_ORDER = ["EU AI Act", "NIST AI RMF", "ISO/IEC 42001", "SR 11-7"]
_MODEL_SECTIONS = [
    ("summary", "Executive summary"),
    ("card", "Model card"),
    ("lineage", "Lineage"),
    ("rules", "Policy rules evaluated"),
    ("fairness", "Fairness"),
    ("drift", "Drift"),
    ("explainability", "Explainability"),
    ("llm", "LLM evaluation, red team and guardrails"),
    ("reviews", "Approvals, rejections and waivers"),
    ("ledger", "Audit ledger"),
    ("controls", "Controls coverage matrix"),
]
_PERIOD_SECTIONS = [
    ("exceptions", "Exceptions"),
    ("summary", "Summary"),
    ("decisions", "Decisions"),
    ("reviews", "Approvals, rejections and waivers"),
    ("stages", "Stage changes"),
    ("ledger", "Ledger verification"),
]
_DRIFT_CHART_ROWS = 20  # features per drift chart, so one chart never outgrows a page


def _card_json(card: dict[str, Any] | None) -> dict[str, Any] | None:
    """Fill defaults and validate, so templates can rely on every section being there."""
    if card is None:
        return None
    from pydantic import ValidationError

    from govern.cards import ModelCard

    try:
        return ModelCard.model_validate(card).model_dump(mode="json")
    except ValidationError as exc:
        raise GovernError(REPORT_DATA_INVALID, f"the model card does not validate: {exc.errors()[0]['msg']}") from None


def _review_counts(reviews: list[Any]) -> dict[str, int]:
    counts = Counter(r.kind for r in reviews)
    return {k: counts.get(k, 0) for k in ("approval", "rejection", "waiver")}


def _has_llm(data: ModelReportData) -> bool:
    return bool(data.llm_eval or data.redteam or data.guardrails)


def model_report_html(data: ModelReportData) -> tuple[str, dict[str, bytes]]:
    """The model report's HTML and its attachments (name -> bytes)."""
    findings = data.decision.findings if data.decision else []
    counts = Counter(f.result for f in findings)
    by_fw: dict[str, list[Any]] = {}
    for c in data.controls:
        by_fw.setdefault(c.framework, []).append(c)
    frameworks = sorted(by_fw, key=lambda f: (_FRAMEWORK_ORDER.index(f) if f in _FRAMEWORK_ORDER else 99, f))
    coverage = [
        (
            fw,
            {
                s: sum(c.status == s for c in by_fw[fw])
                for s in ("evidenced", "failing", "not_evaluated", "not_covered")
            },
        )
        for fw in frameworks
    ]
    name, _, version = data.model.partition("@")
    # Chart titles as HTML captions (caption=True) and no value labels on the bars (values=False:
    # each chart's table prints the values): WeasyPrint lays SVG text out one letter at a time.
    drift_charts = [
        _svg.drift_chart(
            data.drift[i : i + _DRIFT_CHART_ROWS],
            title=f"Drift per feature ({data.drift[i].method})",
            caption=True,
            values=False,
        )
        for i in range(0, len(data.drift), _DRIFT_CHART_ROWS)
    ]
    charts = {
        "lineage": _svg.lineage_chart(
            data.lineage, root=data.model, title=f"Upstream lineage of {data.model}", caption=True
        ),
        "fairness": [
            _svg.group_rate_chart(
                t.groups,
                title=f"{t.metric.replace('_', ' ')} by {t.attribute} ({t.confidence:.0%} CI)",
                caption=True,
                values=False,
            )
            for t in data.fairness
        ],
        "drift": drift_charts,
        "monitoring": _svg.monitoring_chart(data.monitoring, title=f"Monitoring history of {data.model}", caption=True),
        "importance": _svg.importance_chart(
            data.importance, title="Mean |SHAP| per feature", caption=True, values=False
        ),
    }
    files = evidence_files(data.evidence)
    # Fixed table layout everywhere: the columns of rule ids are as wide as the widest one (8 pt).
    widths = {
        "rule": column_mm([f.rule_id for f in findings] + [f.policy for f in findings], pt=8, header="Rule"),
        "check": column_mm([f.check for f in findings], pt=8, header="Check"),
        "measured": column_mm([fmt(f.value) for f in findings], pt=8, header="Measured"),
        "review_rule": column_mm([r.rule_id or "–" for r in data.reviews], pt=8, header="Rule"),
        "review_who": column_mm([t for r in data.reviews for t in (r.actor, r.role)], pt=8, header="Who", cap_mm=40),
    }
    ranked = sorted(data.importance, key=lambda f: -f.value)
    html = render_html(
        "model_report.html",
        widths=widths,
        listings={
            "drift": _listing(
                ["Feature", "Method", "Statistic", "p-value", "Threshold", "Drifted"],
                [
                    [
                        f.feature,
                        f.method,
                        fmt(f.statistic),
                        fmt(f.pvalue),
                        fmt(f.threshold),
                        "fail" if f.drifted else "pass",
                    ]
                    for f in data.drift
                ],
                [60, 12, 10, 10, 10, 7],
                right={2, 3, 4},
            ),
            "fairness": [
                _listing(
                    ["Group", "Count", t.metric.replace("_", " "), "CI lower", "CI upper"],
                    [[g.group, str(g.count), fmt(g.value), fmt(g.lower), fmt(g.upper)] for g in t.groups],
                    [60, 12, 24, 10, 10],
                    right={1, 2, 3, 4},
                )
                for t in data.fairness
            ],
            "importance": _listing(
                ["Rank", "Feature", "Mean |SHAP|", "Protected or proxy"],
                [[str(i), f.feature, fmt(f.value), "yes" if f.protected else ""] for i, f in enumerate(ranked, 1)],
                [5, 60, 11, 18],
                right={0, 2},
            ),
        },
        d=data,
        name=name,
        version=version or "–",
        card=_card_json(data.card),
        sections=[(a, t) for a, t in _MODEL_SECTIONS if a != "llm" or _has_llm(data)],
        counts={k: counts.get(k, 0) for k in ("pass", "fail", "inconclusive", "error", "waived")},
        failing=[f for f in findings if f.result in ("fail", "inconclusive", "error")],
        review_counts=_review_counts(data.reviews),
        coverage=coverage,
        controls_by_framework=[(fw, by_fw[fw]) for fw in frameworks],
        charts=_markup(charts),
        files=file_rows(files),
    )
    return html, files


def _markup(value: Any) -> Any:
    from markupsafe import Markup

    if isinstance(value, dict):
        return {k: _markup(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_markup(v) for v in value]
    return Markup(value)


def render_model_report(data: ModelReportData, out: Path) -> None:
    """Write the model report for ``data`` to ``out``: PDF/A-3b with the evidence attached
    (``.pdf``), or a standalone HTML file (``.html``, no attachments).

    Raises ``GovernError`` (``report_data_invalid``, ``report_write_failed``, ``report_format_unknown``).
    """
    html, files = model_report_html(data)
    _write(html, Path(out), files)


def render_annex_iv(data: ModelReportData, extra: AnnexContext, out: Path) -> list[AnnexSection]:
    """Write the EU AI Act Annex IV technical documentation of ``data``'s model version to ``out``
    (PDF/A-3b or HTML); returns its nine sections with their status."""
    sections = annex_iv_sections(data, extra)
    html = render_html(
        "annex_iv.html", d=data, sections=sections, complete=sum(s.status == "complete" for s in sections)
    )
    _write(html, Path(out), {})
    return sections


def period_report_html(data: PeriodReportData) -> tuple[str, dict[str, bytes]]:
    """The period report's HTML and its attachments."""
    outcomes: list[str] = []
    by_model: dict[str, Counter[str]] = {}
    for x in data.decisions:
        if x.outcome not in outcomes:
            outcomes.append(x.outcome)
        by_model.setdefault(x.model, Counter())[x.outcome] += 1
    files = evidence_files(data.evidence, bundle_decisions=True)
    exceptions = sorted(data.exceptions, key=lambda e: e.time, reverse=True)
    in_full = sum(not _by_id(x) for x in data.decisions)
    html = render_html(
        "period_report.html",
        d=data,
        sections=_PERIOD_SECTIONS,
        outcomes=outcomes,
        by_model=sorted((m, dict(c)) for m, c in by_model.items()),
        listings={
            "exceptions": _exceptions_listing(exceptions),
            "reviews": _reviews_listing(data.reviews),
            "stages": _stages_listing(data.stage_changes),
        },
        decisions=_decisions_by_model(data.decisions),
        in_full=in_full,
        by_id=len(data.decisions) - in_full,
        review_counts=_review_counts(data.reviews),
        bundle=next((f for f in file_rows(files) if f["name"] == "decisions.jsonl"), None),
        files=file_rows(files),
    )
    return html, files


_BY_ID_OUTCOMES = ("allow", "monitor", "pending_approval")
_NOT_PASSING = ("fail", "inconclusive", "error", "waived")


def _by_id(x: Any) -> bool:
    """A decision the period report lists by id only (its full record is in ``decisions.jsonl``):
    an allow or a retraining check's monitor with every rule passing, or a decision held for
    approval with no rule waived or in error (the approvals and rejections are printed in full
    under reviews, an approval request that expired is an exception). Every other decision (deny,
    review, retrain, a rule waived or in error, an allow with a rule not passing) is printed in
    full."""
    if x.outcome not in _BY_ID_OUTCOMES:
        return False
    if x.outcome == "pending_approval":
        return not any(f.result in ("waived", "error") for f in x.findings)
    return not any(f.result in _NOT_PASSING for f in x.findings)


# Long period listings (exceptions too: there are hundreds in a busy month) are monospaced text,
# five lines a block, on landscape pages: WeasyPrint lays out a table row in ~4-9 ms, a line of
# text in ~0.5 ms, and draws text one glyph at a time (padding spaces included), so a wide line
# holds what took two or three narrow ones and columns are only as wide as their widest value
# (bench/report.py renders 10,000 decisions).
_LINE = 194  # characters of 6.4 pt DejaVu Sans Mono across a landscape A4 page


def _cell(text: str, width: int) -> str:
    """``text`` padded (or cut, with an ellipsis) to ``width``."""
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def _listing(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    caps: Sequence[int],
    *,
    wrap: bool = False,
    right: Collection[int] = (),
) -> tuple[str, list[str]]:
    """Fixed-width text: each column as wide as its widest value (or header) up to its cap, a
    value longer than its cap cut with an ellipsis; the columns at the indexes ``right`` right-aligned;
    with ``wrap``, the last column (no cap) takes the rest of the line and wraps under itself.
    Returns the header line and one text per row (continuation lines joined by newlines)."""
    import textwrap

    fixed = len(caps)
    widths = [min(cap, max([len(head[i]), *(len(r[i]) for r in rows)])) for i, cap in enumerate(caps)]
    indent = sum(w + 1 for w in widths)

    def line(cells: Sequence[str]) -> str:
        out = [
            _cell(c, w).strip().rjust(w) if i in right else _cell(c, w)
            for i, (c, w) in enumerate(zip(cells[:fixed], widths, strict=True))
        ]
        if not wrap:
            return " ".join(out).rstrip()
        more = textwrap.wrap(cells[fixed], max(_LINE - indent, 20), break_on_hyphens=False) or [""]
        return "\n".join([" ".join([*out, more[0]]).rstrip(), *(" " * indent + m for m in more[1:])])

    return line(head), [line(r) for r in rows]


def _time(text: str) -> str:
    return when(text).removesuffix(" UTC")


def _seq(value: int | None) -> str:
    return "" if value is None else str(value)


def _not_passing(x: Any) -> str:
    return ", ".join(f.rule_id if f.result == "fail" else f"{f.rule_id} ({f.result})"
                     for f in x.findings if f.result in _NOT_PASSING)  # fmt: skip


_ID_WIDTH = 12  # the shortest an id is abbreviated to in the by-id listings


def _decisions_by_model(decisions: Sequence[Any]) -> dict[str, Any]:
    """The decisions grouped by model, oldest first: per model a heading with its counts, the
    decisions printed in full (one line each, the rules not passing wrapping under themselves),
    then per outcome the ids of those listed by id, abbreviated to the shortest length of at
    least 12 characters at which every decision of the report still has its own (so an id read
    from the listing names one decision). Returns the column header line and, per model, its
    heading and lines."""
    models: dict[str, list[Any]] = {}
    for x in decisions:
        models.setdefault(x.model, []).append(x)
    full = [x for x in decisions if not _by_id(x)]
    width = _unique_prefix([x.id for x in decisions])
    head = ["Time (UTC)", "Gate", "Target", "Outcome", "Decision", "Seq", "Rules not passing"]
    rows = [[_time(x.time), x.gate, x.target, x.outcome, x.id, _seq(x.ledger_seq), _not_passing(x)] for x in full]
    header, lines = _listing(head, rows, [19, 8, 14, 16, 32, 9], wrap=True, right={5})
    printed = dict(zip((id(x) for x in full), lines, strict=True))
    groups = []
    for model in sorted(models):
        rows_of = models[model]
        counts = Counter(x.outcome for x in rows_of)
        heading = f"{model}: {len(rows_of)} decisions (" + ", ".join(
            f"{n} {o.replace('_', ' ')}" for o, n in sorted(counts.items(), key=lambda c: -c[1])) + ")"  # fmt: skip
        out = [printed[id(x)] for x in rows_of if id(x) in printed]
        ids: dict[str, list[str]] = {}
        for x in rows_of:
            if id(x) not in printed:
                ids.setdefault(x.outcome.replace("_", " "), []).append(x.id)
        for outcome, found in ids.items():
            out += _id_lines(f"{outcome} by id ({len(found)})", found, width)
        groups.append((heading, out))
    return {"head": header, "groups": groups}


def _unique_prefix(ids: Sequence[str]) -> int:
    """The shortest length, from ``_ID_WIDTH``, at which the ids' prefixes are as distinct as the ids."""
    distinct = len(set(ids))
    width = _ID_WIDTH
    while width < max(map(len, ids), default=0) and len({d[:width] for d in ids}) < distinct:
        width += 1
    return width


def _id_lines(label: str, ids: Sequence[str], id_width: int = _ID_WIDTH) -> list[str]:
    """``label`` then the ids (to ``id_width`` characters), as many a line as fit."""
    width = 28
    per_line = (_LINE - width - 1) // (id_width + 1)
    return [
        f"{_cell(label if i == 0 else '', width)} "
        + " ".join(d[:id_width].ljust(id_width) for d in ids[i : i + per_line]).rstrip()
        for i in range(0, len(ids), per_line)
    ]


def _exceptions_listing(exceptions: Sequence[Any]) -> tuple[str, list[str]]:
    head = ["Kind", "Model", "When (UTC)", "Decision", "What"]
    rows = [[e.kind.replace("_", " "), e.model, _time(e.time), e.decision_id or "–", e.summary] for e in exceptions]
    return _listing(head, rows, [20, 30, 19, 32], wrap=True)


def _reviews_listing(reviews: Sequence[Any]) -> tuple[str, list[str]]:
    head = ["Time (UTC)", "Kind", "Model", "Who", "Role", "Rule", "Expires", "Decision", "Justification [status]"]
    rows = [[_time(r.time), r.kind, r.model, r.actor, r.role, r.rule_id or "–", r.expires[:10] if r.expires else "–",
             r.decision_id, r.justification + (f" [{r.status}]" if r.status else "")] for r in reviews]  # fmt: skip
    return _listing(head, rows, [19, 9, 30, 20, 16, 32, 10, 32], wrap=True)


def _stages_listing(changes: Sequence[Any]) -> tuple[str, list[str]]:
    head = ["Time (UTC)", "Model", "From", "To", "Actor", "Decision"]
    rows = [[_time(c.time), c.model, c.from_stage, c.to_stage, c.actor, c.decision_id] for c in changes]
    return _listing(head, rows, [19, 30, 14, 14, 24, 32])


def render_period_report(data: PeriodReportData, out: Path) -> None:
    """Write the period report (exceptions first) to ``out`` (.pdf with attachments, or .html)."""
    html, files = period_report_html(data)
    _write(html, Path(out), files)


def render_card(path: Path, out: Path) -> None:
    """Validate the card file at ``path`` and render it to ``out`` (.html or .pdf).

    Raises the card's first problem as ``GovernError`` when it does not load (see
    ``govern.cards.load_card``); requirements of the risk tier are not enforced here.
    """
    from govern.cards import load_card

    card = load_card(Path(path))
    html = render_html("card.html", card=card.model_dump(mode="json"), source=Path(path).name)
    _write(html, Path(out), {})


def _write(html: str, out: Path, files: dict[str, bytes]) -> None:
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        write_pdf(html, out, attachments=files, descriptions={n: describe(n) for n in files})
    elif suffix in (".html", ".htm"):
        write_html(html, out)
    else:
        raise GovernError(REPORT_FORMAT_UNKNOWN, f"cannot write {out.name}: expected a .pdf or .html file")
