"""Fixtures for the web inbox: a demo workspace with a pending request, a real ``govern serve``
on a free loopback port, and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import CHROMIUM, CHROMIUM_ARGS, Server, WebWorkspace, build_web_workspace


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from govern.demo import build

    return build(tmp_path_factory.mktemp("demo"), small=True)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, demo_files: Any) -> WebWorkspace:
    return build_web_workspace(tmp_path_factory.mktemp("web-template"), demo_files)


@pytest.fixture
def web_ws(tmp_path: Path, sqlite_template: WebWorkspace) -> WebWorkspace:
    """A private copy of the SQLite template (built once per module)."""
    target = tmp_path / ".govern"
    shutil.copytree(sqlite_template.path, target)
    return WebWorkspace(target, None, dict(sqlite_template.tokens), sqlite_template.request_id)


@pytest.fixture
def server(web_ws: WebWorkspace) -> Iterator[Server]:
    srv = Server(web_ws)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


