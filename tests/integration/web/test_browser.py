"""The web inbox in headless Chromium against a real ``govern serve``: sign in, review, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def approve_in_browser(web: Any, page: Any, server: Any, person: str, justification: str) -> str:
    reviewed, sign_in, sign_out = web.REVIEWED, web.sign_in, web.sign_out
    sign_in(page, server, person)
    row = page.get_by_role("row").filter(has_text=reviewed)
    assert row.count() == 1
    row.get_by_role("link", name=reviewed).click()
    page.wait_for_url(f"**/requests/{server.ws.request_id}")
    page.get_by_label("Justification for approving").fill(justification)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    message = page.locator(".flash").inner_text()
    sign_out(page)
    return message


def run_main_flow(web: Any, page: Any, server: Any) -> None:
    reviewed, sign_in, sign_out = web.REVIEWED, web.sign_in, web.sign_out
    # The inbox lists the pending request with its failing finding at a glance.
    sign_in(page, server, "rita")
    row = page.get_by_role("row").filter(has_text=reviewed)
    assert "ci-bot" in row.inner_text() and "high" in row.inner_text().lower()
    assert "eu-ai-act/equalized-odds" in row.inner_text()
    sign_out(page)

    first = approve_in_browser(web, page, server, "rita", "Equalized odds gap reviewed with the validation team.")
    assert "Approved" in first and "1 of 2" in first and "open" in first
    with server.api("ci-bot") as ci:
        gate = ci.post(f"/models/{reviewed}/gates/promote", json={"target": "production"})
        assert gate.json()["outcome"] == "pending_approval"  # one approval of two is not enough

    second = approve_in_browser(web, page, server, "ravi", "Second review: accept with monitoring.")
    assert "2 of 2" in second and "approved" in second

    with server.api("ci-bot") as ci:
        gate = ci.post(f"/models/{reviewed}/gates/promote", json={"target": "production"})
        assert gate.status_code == 200, gate.text
        assert gate.json()["outcome"] == "allow"
    sign_in(page, server, "ravi")
    page.goto(f"{server.url}/requests/{server.ws.request_id}")
    assert page.locator("#latest-outcome").inner_text() == "allow"
    history = page.get_by_role("region", name="Approval history").inner_text()
    assert "rita" in history and "ravi" in history and "accept with monitoring" in history


def test_review_flow_turns_the_gate_to_allow(server: Any, browser_page: Any, web: Any) -> None:
    run_main_flow(web, browser_page, server)


def test_review_flow_on_postgresql(tmp_path: Path, pg_url: str, demo_files: Any, browser_page: Any, web: Any) -> None:
    ws = web.build(tmp_path, demo_files, pg_url)
    srv = web.Server(ws)
    try:
        run_main_flow(web, browser_page, srv)
    finally:
        srv.stop()


def test_owner_approval_is_refused_with_a_message_on_the_page(server: Any, browser_page: Any, web: Any) -> None:
    page = browser_page
    message = approve_in_browser(web, page, server, "bob", "It is my model and it is fine.")
    assert "sod_owner_conflict" in message and "bob owns" in message
    web.sign_in(page, server, "rita")
    page.goto(f"{server.url}/requests/{server.ws.request_id}")
    assert "No votes yet" in page.get_by_role("region", name="Approval history").inner_text()


def test_request_page_shows_findings_charts_lineage_and_an_escaped_card(
    server: Any, browser_page: Any, web: Any
) -> None:
    page = browser_page
    web.sign_in(page, server, "rita")
    page.goto(f"{server.url}/requests/{server.ws.request_id}")
    findings = page.get_by_role("region", name="Findings").inner_text()
    assert "eu-ai-act/equalized-odds" in findings and "upper <= 0.15" in findings
    assert page.get_by_role("img", name="Selection rate by group (95% CI)").count() == 1
    assert page.locator(".lineage .node").count() >= 3
    card = page.get_by_role("region", name="Model card").inner_text()
    assert web.HOSTILE in card  # shown as text ...
    assert page.evaluate("window.pwned") is None  # ... never run


def test_keyboard_only_sign_in_and_review(server: Any, browser_page: Any, web: Any) -> None:
    page = browser_page
    page.goto(server.url + "/signin")
    page.locator("#token").focus()
    page.keyboard.type(server.ws.tokens["rita"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_role("link", name=web.REVIEWED).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/requests/*")
    page.get_by_label("Justification for rejecting").focus()
    page.keyboard.type("Rejected from the keyboard.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Reject"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus style
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Rejected" in page.locator(".flash").inner_text()


def test_an_overdue_incident_report_shows_in_the_inbox(web_ws: Any, browser_page: Any, web: Any) -> None:
    """Art. 73: a serious-harm incident the provider knew of 20 days ago had a 10-day deadline."""
    from datetime import timedelta

    from govern import incidents
    from govern.core import utcnow

    with web_ws.open() as ws:
        opened = incidents.open_incident(
            ws.context, ws.principal("rita"), title="harm reported by a clinic", category="death_or_serious_harm",
            models=[web.REVIEWED], aware_at=utcnow() - timedelta(days=20),
        )  # fmt: skip
    srv = web.Server(web_ws)
    try:
        page = browser_page
        web.sign_in(page, srv, "rita")
        duties = page.get_by_role("region", name="Overdue post-market duties")
        row = duties.get_by_role("row").filter(has_text=opened.id)
        assert row.count() == 1
        text = row.inner_text()
        assert "Incident report" in text and web.REVIEWED in text and "within 10 days" in text and "10 d" in text
    finally:
        srv.stop()


def test_the_request_page_charts_the_monitoring_history(
    web_ws: Any, demo_files: Any, browser_page: Any, web: Any
) -> None:
    with web_ws.open() as ws:
        ws.actor = "ci-bot"
        runs = [ws.gate_retrain(web.REVIEWED, demo_files.current) for _ in range(2)]
    srv = web.Server(web_ws)
    try:
        page = browser_page
        web.sign_in(page, srv, "rita")
        page.goto(f"{srv.url}/requests/{web_ws.request_id}")
        chart = page.get_by_role("img", name=f"Monitoring history of {web.REVIEWED}")
        assert chart.count() == 1
        assert chart.locator("circle").count() == 2
        assert runs[0].outcome in chart.locator("circle").first.text_content()
    finally:
        srv.stop()


def test_an_overdue_monitoring_plan_shows_in_the_inbox(web_ws: Any, browser_page: Any, web: Any) -> None:
    """Art. 72: the high tier's 30-day plan; the server's clock 31 days after the promotion."""
    from datetime import timedelta

    from govern_testkit import ServeProcess

    from govern.core import utcnow
    from govern.decisions import vote

    with web_ws.open() as ws:
        ws.actor = "ci-bot"
        for who in ("rita", "ravi"):
            vote(ws.context, web_ws.request_id, ws.principal(who), "approve", "reviewed")
        assert ws.gate_promote(web.REVIEWED, "production").outcome == "allow"
    later = (utcnow() + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")

    class Later(web.Server):  # type: ignore[misc,name-defined]
        def __init__(self, ws: Any) -> None:
            self.ws = ws
            env = {**ws.env, "GOVERN_UNSAFE_TESTING": "1", "GOVERN_UNSAFE_NOW": later}
            ServeProcess.__init__(self, env, ws.path.parent)

    srv = Later(web_ws)
    try:
        page = browser_page
        web.sign_in(page, srv, "rita")
        duties = page.get_by_role("region", name="Overdue post-market duties")
        row = duties.get_by_role("row").filter(has_text="Monitoring run")
        assert row.count() == 1
        text = row.inner_text()
        assert web.REVIEWED in text and "every 30 days; promotion held" in text
    finally:
        srv.stop()
