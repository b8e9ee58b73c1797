"""Model, period and card reports: data -> context -> HTML -> PDF (or HTML)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from govern.core import GovernError

from . import _svg
from ._annex import AnnexContext, AnnexSection, annex_iv_sections
from ._attachments import describe, evidence_files, file_rows
from ._codes import REPORT_DATA_INVALID, REPORT_FORMAT_UNKNOWN
from ._data import ModelReportData, PeriodReportData
from ._engine import render_html, write_html, write_pdf
from ._format import when

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
    # Chart titles as HTML captions (caption=True): far cheaper for WeasyPrint than SVG text.
    drift_charts = [
        _svg.drift_chart(
            data.drift[i : i + _DRIFT_CHART_ROWS], title=f"Drift per feature ({data.drift[i].method})", caption=True
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
            )
            for t in data.fairness
        ],
        "drift": drift_charts,
        "monitoring": _svg.monitoring_chart(data.monitoring, title=f"Monitoring history of {data.model}", caption=True),
        "importance": _svg.importance_chart(data.importance, title="Mean |SHAP| per feature", caption=True),
    }
    files = evidence_files(data.evidence)
    html = render_html(
        "model_report.html",
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
        importance=sorted(data.importance, key=lambda f: -f.value),
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
    html = render_html(
        "period_report.html",
        d=data,
        sections=_PERIOD_SECTIONS,
        outcomes=outcomes,
        by_model=sorted((m, dict(c)) for m, c in by_model.items()),
        listings={
            "exceptions": (_EXCEPTIONS_HEAD, [_exception_line(e) for e in exceptions]),
            "decisions": (_DECISIONS_HEAD, [_decision_line(x) for x in data.decisions]),
            "reviews": (_REVIEWS_HEAD, [_review_line(r) for r in data.reviews]),
            "stages": (_STAGES_HEAD, [_stage_line(c) for c in data.stage_changes]),
        },
        review_counts=_review_counts(data.reviews),
        files=file_rows(files),
    )
    return html, files


# Long period listings (exceptions too: there are hundreds in a busy month) are monospaced text,
# five items a block: WeasyPrint lays out a table row in ~4-9 ms, a line of text in ~0.2 ms
# (bench/report.py renders 10,000 decisions).
def _cell(text: str, width: int) -> str:
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def _fixed_line(cells: list[tuple[str, int]], *, wrap: int | None = None, note: str = "") -> str:
    """Cells padded to their widths; the cell at index ``wrap`` wraps onto continuation lines
    under itself; ``note`` follows on indented lines of its own."""
    import textwrap

    cells = list(cells)
    more: list[str] = []
    if wrap is not None:
        text, width = cells[wrap]
        lines = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
        cells[wrap] = (lines[0], width)
        indent = " " * sum(w + 1 for _, w in cells[:wrap])
        more = [indent + line for line in lines[1:]]
    if note:
        more += ["    " + line for line in textwrap.wrap(note, 116)]
    return "\n".join([" ".join(_cell(t, w) for t, w in cells).rstrip(), *more])


def _time(text: str) -> str:
    return when(text).removesuffix(" UTC")


def _decision_line(x: Any) -> str:
    failed = ", ".join(f.rule_id for f in x.findings if f.result in ("fail", "inconclusive", "error"))
    seq = "" if x.ledger_seq is None else str(x.ledger_seq)
    cells = [(_time(x.time), 19), (x.model, 22), (x.gate, 8), (x.target, 11), (x.outcome, 16), (failed, 30),
             (x.id, 12), (seq.rjust(7), 7)]  # fmt: skip
    return _fixed_line(cells, wrap=5)


_DECISIONS_HEAD = _fixed_line([("Time (UTC)", 19), ("Model", 22), ("Gate", 8), ("Target", 11), ("Outcome", 16),
                               ("Failed rules", 30), ("Decision", 12), ("    Seq", 7)])  # fmt: skip
_REVIEWS_HEAD = _fixed_line([("Time (UTC)", 19), ("Kind", 9), ("Model", 22), ("Who", 16), ("Role", 13),
                             ("Rule", 20), ("Expires", 10), ("Decision", 12)])  # fmt: skip
_STAGES_HEAD = _fixed_line(
    [("Time (UTC)", 19), ("Model", 22), ("From", 12), ("To", 12), ("Actor", 18), ("Decision", 12)]
)


def _exception_line(e: Any) -> str:
    cells = [(e.kind.replace("_", " "), 20), (e.model, 22), (_time(e.time), 19), (e.decision_id or "–", 24),
             (e.summary, 43)]  # fmt: skip
    return _fixed_line(cells, wrap=4)


_EXCEPTIONS_HEAD = _fixed_line([("Kind", 20), ("Model", 22), ("When (UTC)", 19), ("Decision", 24), ("What", 43)])


def _review_line(r: Any) -> str:
    cells = [(_time(r.time), 19), (r.kind, 9), (r.model, 22), (r.actor, 16), (r.role, 13), (r.rule_id or "–", 20),
             (r.expires[:10] if r.expires else "–", 10), (r.decision_id, 12)]  # fmt: skip
    return _fixed_line(cells, note=r.justification + (f" [{r.status}]" if r.status else ""))


def _stage_line(c: Any) -> str:
    cells = [
        (_time(c.time), 19),
        (c.model, 22),
        (c.from_stage, 12),
        (c.to_stage, 12),
        (c.actor, 18),
        (c.decision_id, 12),
    ]
    return _fixed_line(cells)


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
