"""A provincial leader fills the rating grid with the keyboard only: type, Tab past the abstain
box, type again; a draft keeps what was typed; the last unit is abstained from with Space."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser


def test_a_leader_fills_the_grid_with_the_keyboard_and_submits(
    live_server: str, page: Page
) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("leader6")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/evaluations/2026/sheets/leader")
    scores = page.locator("input[id^='score-']")
    total = scores.count()
    assert total > 60
    scores.first.focus()
    page.keyboard.type("88")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("92.5")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("left")).to_contain_text(f"还有 {total - 2} 个单位未评")
    expect(scores.nth(1)).to_have_value("92.50")

    scores.nth(2).focus()
    for _ in range(2, total - 1):
        page.keyboard.type("81")
        page.keyboard.press("Tab")  # the abstain box
        page.keyboard.press("Tab")  # the next unit's score
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # abstain from the last unit
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("left")).to_contain_text("已于")
    expect(scores.first).to_be_disabled()
    screenshot(page, "leader-grid-submitted")


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("leader7", "/evaluations/2026/sheets/leader"),
        ("group1", "/evaluations/2026/sheets/leading_group"),
        ("office1", "/evaluations/2026"),
    ],
)
def test_the_evaluation_pages_pass_the_wcag_checks(
    live_server: str, browser: Browser, username: str, path: str
) -> None:
    context = browser.new_context(locale="zh-CN", bypass_csp=True)  # axe beside the strict CSP
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}{path}")
    assert _violations(page) == [], path
    context.close()
