"""A model card that links to file://, http:// and embeds <script>/<img> fetches nothing.

A loopback HTTP server counts every request it receives; the count must stay zero while the card
is rendered to HTML, to PDF, and inside a model report, and the hostile markup must appear in
the PDF as visible text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from report_samples import sample_model_report

from govern.cards import load_card
from govern.reports import render_card, render_model_report
from govern.reports._engine import local_fetcher, write_pdf

DATA = Path(__file__).resolve().parents[2] / "data" / "cards"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


class Server:
    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


@pytest.fixture
def hostile_card(server: Server, tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    text = (DATA / "card_hostile.md").read_text().replace("HOST", server.host).replace("SECRET", str(secret))
    card = tmp_path / "hostile.md"
    card.write_text(text)
    return card


def test_the_server_counts_hits(server: Server) -> None:
    import urllib.request

    urllib.request.urlopen(f"http://{server.host}/probe", timeout=5).read()
    assert server.hits == ["/probe"]  # so zero below means nothing was fetched


def test_hostile_card_renders_as_text_and_fetches_nothing(server: Server, hostile_card: Path, tmp_path: Path) -> None:
    pdf, html = tmp_path / "card.pdf", tmp_path / "card.html"
    render_card(hostile_card, pdf)
    render_card(hostile_card, html)
    report = sample_model_report()
    report.card = load_card(hostile_card).model_dump(mode="json")
    render_model_report(report, tmp_path / "report.pdf")
    assert server.hits == []

    page = html.read_text()
    assert re.findall(r"<(script|img|iframe|object|link|image|a)\b", page, re.IGNORECASE) == []
    assert "url(http" not in page.replace("&#34;", "").replace(" ", "")[: page.index("</style>")]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "<script>fetch(" in flat
    assert f'<img src="http://{server.host}/raw-image.png">' in flat
    assert f"[click me](http://{server.host}/link)" in flat
    assert "TOP-SECRET-CONTENT" not in flat
    full = subprocess.run(
        ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "<script>fetch(" in " ".join(full.split())


def test_fetcher_refuses_even_markup_that_bypasses_escaping(server: Server, tmp_path: Path) -> None:
    """Defense in depth: raw hostile HTML handed straight to the engine still fetches nothing."""
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    h = f"http://{server.host}"
    raw = (
        f'<html><head><link rel="stylesheet" href="{h}/a.css"><link rel="stylesheet" href="file://{secret}">'
        f'<style>@import url("{h}/b.css"); body {{ background: url("{h}/c.png") }}'
        f'@font-face {{ font-family: x; src: url("{h}/font.woff") }}</style></head><body>'
        f'<img src="{h}/d.png"><img src="https://{server.host}/e.png"><object data="{h}/f"></object>'
        f'<svg><image href="{h}/g.png" width="10" height="10"/></svg><iframe src="{h}/h"></iframe>'
        f'<p style="font-family: x">text</p><img src="data:image/png;base64,iVBORw0KGgo="></body></html>'
    )
    fetcher = local_fetcher()
    write_pdf(raw, tmp_path / "raw.pdf", variant="none", fetcher=fetcher)
    assert server.hits == []
    refused = " ".join(fetcher.refused)
    for name in ("a.css", "b.css", "c.png", "d.png", "e.png", "g.png", "font.woff", str(secret)):
        assert name in refused, name
