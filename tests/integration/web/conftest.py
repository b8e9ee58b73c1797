"""Fixtures for the web inbox: a demo workspace with a pending request, a real ``govern serve``
on a free loopback port, and headless Chromium (Debian's) driven by Playwright.

Test modules reach the helpers through the ``web`` fixture (``--import-mode=importlib`` cannot
import conftest); ``scripts/web_screenshots.py`` loads this file by path.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from govern_testkit import ServeProcess, workspace_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PEOPLE = {"bob": "model_owner", "rita": "risk_officer", "ravi": "risk_officer", "ci-bot": "ci", "audrey": "auditor"}
HOSTILE = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
REVIEWED = "credit-risk-lr@1"


@dataclass
class WebWorkspace:
    path: Path
    database_url: str | None
    tokens: dict[str, str] = field(default_factory=dict)
    request_id: str = ""

    @property
    def env(self) -> dict[str, str]:
        return workspace_env(self.path, self.database_url)

    def open(self) -> Any:
        from govern.workspace import Workspace

        return Workspace.open(self.path, **({"database_url": self.database_url} if self.database_url else {}))


def build_web_workspace(
    root: Path, files: Any, database_url: str | None = None, *, hostile_card: bool = True
) -> WebWorkspace:
    """The demo's lineage, models and evidence (the reviewed model's card carries hostile HTML),
    a token per person, and the promotion gate run by ci-bot so a request is pending."""
    from govern.demo import EVAL_MAPPING, demo_card, register
    from govern.workspace import Workspace

    overrides = {"database_url": database_url} if database_url else {}
    web = WebWorkspace(root / ".govern", database_url)
    with Workspace.init(web.path, **overrides) as ws:
        ws.actor = "ci-bot"
        ws.ingest([files.manifest])
        card = demo_card("credit-risk-lr", "1")
        if hostile_card:
            card["model_details"]["description"] = HOSTILE
        register(ws, REVIEWED, "train-lr-2024-03", card=card)
        ws.add_evidence(REVIEWED, "evaluation", files.lr_eval, mapping=EVAL_MAPPING)
        ws.add_evidence(REVIEWED, "model", files.lr_model)
        ws.add_evidence(REVIEWED, "reference", files.reference)
        ws.add_evidence(REVIEWED, "explanation", files.lr_explanation)
        for person, role in PEOPLE.items():
            web.tokens[person], _ = ws.create_token(person, role)
        decision = ws.gate_promote(REVIEWED, "production")
        assert decision.outcome == "pending_approval", decision.reasons
        assert decision.approval is not None
        web.request_id = decision.approval["request"]
    return web


class Server(ServeProcess):
    """``govern serve`` in a subprocess on a free loopback port, serving ``ws``."""

    def __init__(self, ws: WebWorkspace) -> None:
        self.ws = ws
        super().__init__(ws.env, ws.path.parent)

    def api(self, person: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url + "/v1", timeout=60, headers={"Authorization": f"Bearer {self.ws.tokens[person]}"}
        )

    @contextmanager
    def signed_in(self, person: str) -> Iterator[httpx.Client]:
        """An httpx client holding a session cookie for ``person`` (signed in through the form)."""
        with httpx.Client(base_url=self.url, timeout=60) as client:
            form = client.get("/signin")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert csrf is not None, form.text
            done = client.post("/signin", data={"token": self.ws.tokens[person], "csrf_token": csrf.group(1)})
            assert done.status_code == 303, done.text
            yield client


def sign_in(page: Any, server: Server, person: str) -> None:
    page.goto(server.url + "/inbox")
    page.get_by_label("Access token").fill(server.ws.tokens[person])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")


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


@pytest.fixture
def web() -> SimpleNamespace:
    """The helpers above, for test modules."""
    return SimpleNamespace(
        HOSTILE=HOSTILE, REVIEWED=REVIEWED, Server=Server, build=build_web_workspace, sign_in=sign_in, sign_out=sign_out
    )
