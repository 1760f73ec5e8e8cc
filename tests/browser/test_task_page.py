"""Working a task in a real browser: inbox, form errors next to fields, the diagram viewer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_office_staff_complete_a_task_with_a_form_and_see_the_diagram(
    live_server: str, started: str, page: Page
) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("office1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="我的待办").first.click()
    page.get_by_role("link", name="填报材料").click()
    viewer = page.locator(".jx-diagram")
    expect(viewer.locator(".djs-element.jx-current")).to_have_count(1)
    page.get_by_label("标题").fill("x")
    page.get_by_label("权重").fill("500")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#f-title-errors")).to_be_visible()
    expect(page.locator("#f-weight-errors")).to_be_visible()
    screenshot(page, "task-form-errors")
    page.get_by_label("标题").fill("优化营商环境")
    page.get_by_label("权重").fill("20")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    page.goto(f"{live_server}/instances/{started}")
    expect(page.get_by_test_id("instance-status")).to_have_text("已完成")
    expect(page.locator(".djs-element.jx-done")).not_to_have_count(0)
    screenshot(page, "instance-completed")
