"""Report rendering: a ~30-page model report and a 10,000-decision period report.

Each figure is printed beside its anchor measured in the same run: WeasyPrint alone laying out
and writing the very same HTML (our overhead is data -> HTML, the SVG charts, the attachments
and PDF/A-3b; our gain is handing WeasyPrint the charts as images, not inline SVG).
Run: ``python bench/report.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the sample report data is a test helper

from bench._common import save


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def _weasyprint_alone(html: str, out: Path) -> float:
    import weasyprint

    from govern.reports import local_fetcher, templates_dir

    t0 = time.perf_counter()
    weasyprint.HTML(string=html, base_url=str(templates_dir()) + "/", url_fetcher=local_fetcher()).write_pdf(str(out))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--decisions", type=int, default=10_000)
    args = parser.parse_args()

    from report_samples import sample_model_report, sample_period_report

    from govern.reports import model_report_html, period_report_html, render_model_report, render_period_report

    # Warm imports and font loading, so neither side pays them.
    tmp = Path(tempfile.mkdtemp(prefix="govern-bench-report-"))
    render_model_report(sample_model_report(), tmp / "warm.pdf")

    size = {"features": 20, "extra_fairness": 1, "extra_rules": 2} if args.quick else {
        "features": 80, "extra_fairness": 34, "groups": 2, "extra_rules": 6}  # fmt: skip
    data = sample_model_report(**size)
    charts = 1 + 1 + len(data.fairness) + -(-len(data.drift) // 20)
    html, _ = model_report_html(data)
    tables = html.count("<table")
    t0 = time.perf_counter()
    render_model_report(data, tmp / "model.pdf")
    ours = time.perf_counter() - t0
    anchor = _weasyprint_alone(html, tmp / "model-anchor.pdf")
    pages = _pages(tmp / "model.pdf")
    print(f"model report: {pages} pages, {tables} tables, {charts} SVG charts")
    print(f"  govern render_model_report  {ours:6.2f} s   (goal < 3 s)")
    print(f"  WeasyPrint alone, same HTML {anchor:6.2f} s   ratio {ours / anchor:4.2f}x")

    n = 200 if args.quick else args.decisions
    t0 = time.perf_counter()
    period = sample_period_report(n)
    gen = time.perf_counter() - t0
    html_p, _ = period_report_html(period)
    t0 = time.perf_counter()
    render_period_report(period, tmp / "period.pdf")
    ours_p = time.perf_counter() - t0
    anchor_p = _weasyprint_alone(html_p, tmp / "period-anchor.pdf")
    pages_p = _pages(tmp / "period.pdf")
    print(f"period report: {n} decisions, {pages_p} pages (sample data built in {gen:.2f} s, not counted)")
    print(f"  govern render_period_report {ours_p:6.2f} s   (goal < 10 s)")
    print(f"  WeasyPrint alone, same HTML {anchor_p:6.2f} s   ratio {ours_p / anchor_p:4.2f}x")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, shared)")
    save(
        "report",
        {
            "load_average": list(load),
            "model": {
                "pages": pages,
                "tables": tables,
                "charts": charts,
                "seconds": ours,
                "weasyprint_seconds": anchor,
            },
            "period": {"decisions": n, "pages": pages_p, "seconds": ours_p, "weasyprint_seconds": anchor_p},
        },
    )


if __name__ == "__main__":
    main()
