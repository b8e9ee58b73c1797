"""Take the web inbox screenshots in docs/images/ from the demo scenario.

    python scripts/web_screenshots.py [--out docs/images]

Builds the small demo workspace in a temporary folder, runs the gate as ci-bot (so a request is
pending), records one approval, serves it with ``govern serve`` on a free loopback port and
photographs the inbox and the request page in Debian's headless Chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _load_test_helpers() -> Any:
    """The web tests' conftest (workspace builder, server, sign-in), loaded by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("web_conftest", ROOT / "tests/integration/web/conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from govern.demo import build
    from govern.workspace import Workspace

    kit = _load_test_helpers()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = kit.build_web_workspace(root, build(root / "files", small=True), hostile_card=False)
        with Workspace.open(ws.path) as opened, opened.store.read() as session:
            from govern.identity import authenticate

            ravi = authenticate(session, ws.tokens["ravi"])
        with Workspace.open(ws.path) as opened:
            from govern.decisions import vote

            vote(
                opened.context,
                ws.request_id,
                ravi,
                "approve",
                "Equalized odds gap is within the band agreed with validation; monitor monthly.",
            )
        server = kit.Server(ws)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=kit.CHROMIUM, args=kit.CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
                kit.sign_in(page, server, "rita")
                page.screenshot(path=str(args.out / "web-inbox.png"))
                page.get_by_role("link", name=kit.REVIEWED).click()
                page.wait_for_load_state()
                page.set_viewport_size({"width": 1280, "height": 1500})
                page.screenshot(path=str(args.out / "web-request.png"))
                browser.close()
        finally:
            server.stop()
    print(args.out / "web-inbox.png")
    print(args.out / "web-request.png")


if __name__ == "__main__":
    main()
