"""Signing in and out in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_office_staff_sign_in_to_their_dashboard_and_out(live_server: str, page: Page) -> None:
    _sign_in(page, live_server, "office1")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("office1")
    expect(page.get_by_text("中央驻赣类")).to_be_visible()
    screenshot(page, "dashboard-office1")
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=/")


def test_a_wrong_password_is_explained_next_to_the_field(live_server: str, page: Page) -> None:
    _sign_in(page, live_server, "unit1", "Not-the-password-1")
    error = page.locator("#password-errors")
    expect(error).to_be_visible()
    expect(page.get_by_label("密码")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "sign-in-error")


def test_unit_staff_see_their_unit_and_english_works(live_server: str, page: Page) -> None:
    _sign_in(page, live_server, "unit1")
    expect(page.get_by_test_id("own-unit")).to_contain_text("江西省发展和改革委员会")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_test_id("own-unit")).to_contain_text("Development and Reform")
    screenshot(page, "dashboard-unit1-en")
