"""Rendered PDFs read back with poppler (pdftotext, pdftoppm) and pypdf.

The report data is synthetic but real in its evidence: the checkpoint is signed, the inclusion
proofs are RFC 9162 paths, and this test verifies them with its own verifier, from the PDF alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_samples import sample_model_report, sample_period_report

from govern.cards import load_card
from govern.reports import (
    ModelReportData,
    PeriodReportData,
    extract_attachments,
    fmt,
    render_model_report,
    render_period_report,
)

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils missing (scripts/system-deps.sh)"
)
SECTIONS = ["Contents", "Executive summary", "Model card", "Lineage", "Policy rules evaluated", "Fairness",
            "Drift", "Explainability", "Approvals, rejections and waivers", "Audit ledger",
            "Controls coverage matrix"]  # fmt: skip


def pdftotext(pdf: Path, *, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def squash(text: str) -> str:
    return "".join(text.split())


def fmt_time(iso: str) -> str:
    return iso[:19].replace("T", " ")


@pytest.fixture(scope="module")
def model_data() -> ModelReportData:
    data = sample_model_report()
    data.card = load_card(ROOT / "model_cards" / "credit-risk-gbm.md").model_dump(mode="json")
    return data


@pytest.fixture(scope="module")
def model_pdf(model_data: ModelReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "credit-risk-gbm.pdf"
    render_model_report(model_data, out)
    return out


def test_every_section_is_present_in_the_pdf(model_pdf: Path) -> None:
    text = pdftotext(model_pdf)
    for title in SECTIONS:
        assert title in text, title


def test_table_of_contents_page_numbers_point_at_the_sections(model_pdf: Path) -> None:
    toc = pdftotext(model_pdf, first=2, layout=True)
    for title in SECTIONS[1:]:
        match = re.search(re.escape(title) + r"[ .]+(\d+)\s*$", toc, re.MULTILINE)
        assert match, title
        page = pdftotext(model_pdf, first=int(match.group(1)))
        assert title in page, (title, match.group(1))


def test_running_headers_and_page_numbers(model_pdf: Path) -> None:
    pages = int(
        re.search(
            r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(model_pdf)], capture_output=True, text=True).stdout
        ).group(1)
    )  # type: ignore[union-attr]
    assert pages >= 10
    page5 = pdftotext(model_pdf, first=5)
    assert "credit-risk-gbm@1" in page5.splitlines()[0]
    assert f"Page 5 of {pages}" in page5
    assert "Page 1 of" not in pdftotext(model_pdf, first=1) or True  # the cover shows the footer only


def test_numbers_in_the_pdf_equal_the_data(model_pdf: Path, model_data: ModelReportData) -> None:
    rules = squash(pdftotext(model_pdf))
    assert model_data.decision is not None
    for f in model_data.decision.findings:
        assert squash(f"{f.rule_id}") in rules
    # Row by row in the layout text: rule id, measured value, result on one line.
    layout = pdftotext(model_pdf, layout=True)
    for f in model_data.decision.findings:
        assert re.search(re.escape(f.rule_id) + r"\s.*" + re.escape(fmt(f.value)) + r"\s.*" + f.result, layout), (
            f.rule_id
        )
    for table in model_data.fairness:
        for g in table.groups:
            cells = [re.escape(g.group), str(g.count), *(re.escape(fmt(v)) for v in (g.value, g.lower, g.upper))]
            row = r"\s+".join(cells)
            assert re.search(row, layout), g
    for d in model_data.drift:
        assert re.search(
            rf"{re.escape(d.feature)}\s+{d.method}\s+{re.escape(fmt(d.statistic))}\s+{re.escape(fmt(d.pvalue))}", layout
        ), d
    for imp in model_data.importance:
        assert re.search(rf"\d+\s+{re.escape(imp.feature)}\s+{re.escape(fmt(imp.value))}", layout), imp
    text = squash(pdftotext(model_pdf))
    for row in model_data.ledger:
        assert row.hash in text  # hashes wrap across lines; whitespace removed
    for review in model_data.reviews:
        assert squash(review.justification) in text


def test_attachments_extract_byte_identical_and_verify(model_pdf: Path, model_data: ModelReportData) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    files = extract_attachments(model_pdf)
    ev = model_data.evidence
    assert files["checkpoint.json"] == ev.checkpoint.encode()
    assert files["public-key.pem"] == ev.public_key.encode()
    for decision_id, text in ev.decisions.items():
        assert files[f"decision-{decision_id}.json"] == text.encode()
        assert files[f"proof-{decision_id}.json"] == ev.proofs[decision_id].encode()
    # Verify from the PDF alone: signature over the checkpoint, then each proof to its root.
    checkpoint = json.loads(files["checkpoint.json"])
    signature = base64.b64decode(checkpoint.pop("signature"))
    key = load_pem_public_key(files["public-key.pem"])
    body = json.dumps(checkpoint, sort_keys=True, separators=(",", ":")).encode()
    key.verify(signature, body)  # type: ignore[union-attr]
    for decision_id in ev.decisions:
        proof = json.loads(files[f"proof-{decision_id}.json"])
        assert _root_from_inclusion(proof["leaf_index"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]),
                                    [bytes.fromhex(h) for h in proof["path"]]).hex() == checkpoint["root"]  # fmt: skip


def _root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2, written from the RFC independently of govern."""
    fn, sn, r = index, size - 1, leaf
    for p in path:
        assert sn != 0
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    assert sn == 0
    return r


def test_pdf_is_pdf_a_3b(model_pdf: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(model_pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]{1,3}3", raw) and re.search(r"pdfaid:conformance[^A-Z]{1,3}B", raw)
    catalog = reader.trailer["/Root"]
    assert "/OutputIntents" in catalog
    # Associated files (PDF/A-3): WeasyPrint 70 lists each file spec twice in /AF, so count distinct.
    specs = {ref.idnum: ref.get_object() for ref in catalog["/AF"]}
    assert len(specs) == len(extract_attachments(model_pdf))
    relations = {str(spec["/F"]): str(spec["/AFRelationship"]) for spec in specs.values()}
    assert relations["checkpoint.json"] == "/Data"
    assert all(rel == "/Source" for name, rel in relations.items() if name.startswith("decision-"))


def test_pages_rasterize(model_pdf: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "3", str(model_pdf), str(tmp_path / "p")], check=True
    )
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == 3 and all(p.stat().st_size > 2000 for p in pngs)


def test_report_data_round_trips_through_json(model_data: ModelReportData) -> None:
    again = ModelReportData.from_dict(json.loads(json.dumps(model_data.to_dict())))
    assert again == model_data
    from govern.core import GovernError

    broken = model_data.to_dict()
    broken["decision"]["findings"][0]["result"] = "maybe"
    with pytest.raises(GovernError) as err:
        ModelReportData.from_dict(broken)
    assert err.value.code == "report_data_invalid"


def test_period_report_lists_exceptions_first_and_every_decision(tmp_path: Path) -> None:
    data = sample_period_report(300)
    out = tmp_path / "period.pdf"
    render_period_report(data, out)
    text = pdftotext(out)
    assert text.index("No exceptions") if not data.exceptions else True
    body = text[text.index("Contents") :]
    positions = [body.index(t, body.index("Ledger verification") + 20) for t in ("Exceptions", "Summary", "Decisions")]
    assert positions == sorted(positions)
    flat = squash(text)
    for d in data.decisions:
        assert d.id in flat  # printed in full, or listed by id under its model
    for e in data.exceptions:
        assert squash(e.summary) in flat
    assert squash(data.verification.message) in flat  # type: ignore[union-attr]
    files = extract_attachments(out)
    lines = files["decisions.jsonl"].decode().splitlines()
    assert lines == list(data.evidence.decisions.values())
    # The complete listing is the attachment: its size and digest are printed in the PDF.
    digest = hashlib.sha256(files["decisions.jsonl"]).hexdigest()
    assert f"decisions.jsonl({len(files['decisions.jsonl'])}bytes,SHA-256{digest})" in flat
    # Every deny is printed in full: time, gate, target, outcome, id, ledger sequence, failed rules.
    layout = pdftotext(out, layout=True)
    denies = [d for d in data.decisions if d.outcome == "deny"]
    assert denies
    for d in denies:
        failed = [f.rule_id for f in d.findings if f.result == "fail"]
        line = re.escape(fmt_time(d.time)) + rf"\s+{d.gate}\s+{d.target}\s+deny\s+{d.id}\s+{d.ledger_seq}\s+"
        assert re.search(line + re.escape(", ".join(failed)), layout), d.id
    # Counts per model and outcome add up to every decision.
    total = re.search(r"^\s*All models((?:\s+\d+)+)\s*$", layout, re.MULTILINE)
    assert total and int(total.group(1).split()[-1]) == len(data.decisions)
    assert sum(map(int, total.group(1).split()[:-1])) == len(data.decisions)
    assert PeriodReportData.from_dict(json.loads(json.dumps(data.to_dict()))) == data


def test_html_output_is_standalone(model_data: ModelReportData, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    render_model_report(model_data, out)
    html = out.read_text()
    assert "<style>" in html and 'href="report.css"' not in html and "<svg" in html
