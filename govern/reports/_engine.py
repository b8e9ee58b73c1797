"""The rendering engine: Jinja2 (autoescaped) -> HTML -> WeasyPrint PDF/A-3b with attachments.

Security: templates are the only source of markup. Data (a model card's Markdown, rule
messages, names) is escaped; Markdown is rendered with raw HTML, links and images disabled, so
``<script>``, ``<img src=...>`` and ``[x](file:///...)`` come out as visible text. Even so, the URL
fetcher given to WeasyPrint serves only files inside the templates folder (and the report's own
charts, from memory, under their names there): any other URL (http, https, ftp, data, file
outside it) is refused without being opened.
"""

from __future__ import annotations

import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from govern.core import GovernError, resource_path

from ._codes import REPORT_WRITE_FAILED
from ._format import fmt, when

PdfVariant = Literal["pdf/a-3b", "none"]


def templates_dir() -> Path:
    """The shipped ``audit/templates`` folder (templates, CSS, fonts)."""
    return resource_path("audit", "templates").resolve()


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    # Links and images would turn card text into URLs; keep their source as text instead.
    md.disable(["link", "image", "autolink", "html_inline", "html_block", "reference"])
    return md


def markdown_safe(text: str | None) -> Any:
    """Markdown to HTML with raw HTML, links and images shown as escaped text."""
    from markupsafe import Markup

    return Markup(_markdown().render(text or ""))


@lru_cache(maxsize=1)
def environment() -> Any:
    """The Jinja2 environment over the templates folder (autoescape on, strict undefined)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt
    env.filters["when"] = when
    env.filters["markdown"] = markdown_safe
    env.filters["short"] = lambda text, n=12: (text or "")[:n]
    return env


def render_html(template: str, **context: Any) -> str:
    """Render ``template`` (a file in the templates folder) with ``context``."""
    return str(environment().get_template(template).render(**context))


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files under ``root`` and refuses every other URL, without opening it."""

        def __init__(self, root: Path, charts: dict[str, bytes] | None = None) -> None:
            super().__init__(allowed_protocols=("file",))
            self.root = root
            self.charts = charts or {}  # file name in root -> SVG, served from memory
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if path.parent == self.root and path.name in self.charts:
                    return URLFetcherResponse(url, self.charts[path.name], {"Content-Type": "image/svg+xml"})
                if path.is_relative_to(self.root) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            self.refused.append(url)
            raise ValueError(f"govern reports fetch only their own resources; refused {url[:200]}")

    return LocalOnlyFetcher


def local_fetcher(charts: dict[str, bytes] | None = None) -> Any:
    """A WeasyPrint URL fetcher confined to the templates folder (``.refused`` lists refusals);
    it also serves ``charts`` (file name -> SVG) as if they were files there."""
    return _fetcher_class()(templates_dir(), charts)


# Our own charts (govern/reports/_svg.py: generated markup, every label escaped).
_INLINE_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.DOTALL)
_ARIA_LABEL = re.compile(r'aria-label="([^"]*)"')


def lift_charts(html: str) -> tuple[str, dict[str, bytes]]:
    """``html`` with each inline ``<svg>`` replaced by an ``<img>`` of it, and those SVGs by file
    name. WeasyPrint then parses a chart with ElementTree instead of its HTML parser and does not
    run the HTML cascade over the chart's elements: the charts are ~60 % of the model report's
    markup and ~30 % of its elements."""
    charts: dict[str, bytes] = {}

    def lift(match: re.Match[str]) -> str:
        name = f"_chart-{len(charts)}.svg"
        charts[name] = match.group(0).encode("utf-8")
        label = _ARIA_LABEL.search(match.group(0))
        return f'<img class="chart" src="{name}" alt="{label.group(1) if label else ""}">'

    return _INLINE_SVG.sub(lift, html), charts


def write_pdf(
    html: str,
    out: Path,
    *,
    attachments: dict[str, bytes] | None = None,
    descriptions: dict[str, str] | None = None,
    variant: PdfVariant = "pdf/a-3b",
    fetcher: Any = None,
) -> None:
    """Lay out ``html`` and write the PDF to ``out``, embedding ``attachments`` byte for byte.

    Raises ``GovernError(report_write_failed)`` when the file cannot be written.
    """
    import logging

    import weasyprint

    # WeasyPrint logs every refused fetch and unsupported CSS as warnings; the refusals are
    # expected (hostile content) and recorded by the fetcher.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    if fetcher is None:
        html, charts = lift_charts(html)
        fetcher = local_fetcher(charts)
    root = templates_dir()
    files = [
        weasyprint.Attachment(
            string=data,
            name=name,
            description=(descriptions or {}).get(name, name),
            relationship="Source" if name.startswith("decision") else "Data",
            url_fetcher=fetcher,
        )
        for name, data in (attachments or {}).items()
    ]
    document = weasyprint.HTML(string=html, base_url=str(root) + "/", url_fetcher=fetcher)
    options: dict[str, Any] = {"attachments": files}
    if variant != "none":
        options["pdf_variant"] = variant
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        document.write_pdf(str(out), **options)
    except OSError as exc:
        raise GovernError(REPORT_WRITE_FAILED, f"cannot write {out}: {exc}") from None


def write_html(html: str, out: Path) -> None:
    """Write ``html`` to ``out`` with the report CSS inlined, so the file stands alone."""
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    text = html.replace('<link rel="stylesheet" href="report.css">', f"<style>\n{css}\n</style>", 1)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise GovernError(REPORT_WRITE_FAILED, f"cannot write {out}: {exc}") from None
