"""WCAG 2 A/AA checks with axe-core (an npm dev dependency, never served) on the pages each role
works in, in a real browser: contrast, labels, names, roles, nesting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    None: ["/login", "/portal/"],
    "office1": [
        "/",
        "/tasks",
        "TASK",
        "/instances",
        "INSTANCE",
        "/processes",
        "/supervision/",
        "/notifications/",
        "/indicators/",
        "/calendar/",
    ],
    "unit1": ["/", "/tasks", "/tasks/done", "/indicators/"],
    "owner1": ["/workbench/", "/workbench/forms"],
}


@pytest.fixture
def audited(browser: Browser) -> Iterator[Page]:
    """A page that may load axe-core beside the app's strict CSP."""
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    yield context.new_page()
    context.close()


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
            .map(v => `${v.id} (${v.impact}) at ${v.nodes.map(n => n.target.join(' '))}`)"""
    )
    return [str(v) for v in found]


def _sign_in(page: Page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/")


def _resolved(page: Page, server: str, path: str, instance_id: str) -> str:
    """TASK: the first task of the inbox; INSTANCE: the started instance."""
    if path == "TASK":
        page.goto(f"{server}/tasks")
        return page.locator("a[href^='/tasks/']").first.get_attribute("href") or ""
    return f"/instances/{instance_id}" if path == "INSTANCE" else path


def test_the_pages_each_role_works_in_pass_wcag_2_aa(
    live_server: str, started: str, audited: Page
) -> None:
    assert AXE.exists(), "npm ci installs axe-core (devDependencies)"
    problems = []
    for username, paths in PAGES.items():
        audited.context.clear_cookies()
        if username:
            _sign_in(audited, live_server, username)
        for wanted in paths:
            path = _resolved(audited, live_server, wanted, started)
            audited.goto(f"{live_server}{path}")
            audited.wait_for_load_state("networkidle")
            problems += [f"{username} {path}: {v}" for v in _violations(audited)]
    assert problems == []


def test_a_phone_shows_the_workers_pages_without_sideways_scrolling(
    live_server: str, started: str, browser: Browser
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    _sign_in(phone, live_server, "office1")
    too_wide = []
    for wanted in ("/", "/tasks", "TASK", "/tasks/done", "/instances", "INSTANCE", "/processes"):
        path = _resolved(phone, live_server, wanted, started)
        phone.goto(f"{live_server}{path}")
        phone.wait_for_load_state("networkidle")
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide.append(f"{path}: {width}px")
    context.close()
    assert too_wide == []
