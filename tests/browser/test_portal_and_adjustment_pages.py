"""The demo year in a real browser: the public portal on a phone, and a unit's written request
for an indicator adjustment filled in on the task page, with its document uploaded, which the
deciding leader downloads while reading the change old against new."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_the_portal_reads_well_on_a_phone(demo_server: str, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_server}/portal/")
    expect(page.get_by_role("heading", name="江西省发展和改革委员会")).to_be_visible()
    expect(page.get_by_text("编制并报送")).to_have_count(0)
    page.get_by_label("搜索", exact=True).fill("政务公开")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator('[data-testid="portal-indicator"]')).to_have_count(0)
    page.get_by_label("搜索", exact=True).fill("营商环境")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator('[data-testid="portal-indicator"]').first).to_be_visible()
    page.get_by_text("调整记录").first.click()
    expect(page.get_by_text("新增营商环境评价整改事项").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off the side of the phone
    screenshot(page, "portal-phone")


def test_a_unit_files_an_adjustment_request_on_the_task_page(
    demo_server: str, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{demo_server}/login")
    page.get_by_label("用户名").fill("unit1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{demo_server}/tasks")
    page.get_by_role("link", name="填写调整请示").click()

    page.get_by_role("button", name="提交").click()  # nothing filled in: errors by the fields
    expect(page.locator('[data-field="reason"] .invalid-feedback')).to_be_visible()
    expect(page.locator('[data-field="document"] .invalid-feedback')).to_be_visible()

    page.get_by_label("调整的指标").select_option(index=1)
    page.get_by_label("调整后的目标值").fill("全年完成率100%，并完成整改")
    page.get_by_label("调整理由").fill("根据省政府最新部署调整目标")
    request = tmp_path / "请示.pdf"
    request.write_bytes(b"%PDF-1.4\n% written request\n%%EOF\n")
    page.locator('input[type="file"][name="document"]').set_input_files(str(request))
    screenshot(page, "adjustment-request")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()

    # The unit head signs the request, seeing the change old against new.
    page.context.clear_cookies()
    page.goto(f"{demo_server}/login")
    page.get_by_label("用户名").fill("head1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{demo_server}/tasks")
    page.get_by_role("link", name="主要负责人审核签字").click()
    expect(page.get_by_text("全年完成率100%，并完成整改")).to_be_visible()
    page.get_by_label("本人已审阅以上全部内容").check()
    page.get_by_label("审核意见").select_option(label="同意报分管省领导")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{demo_server}/login")
    page.get_by_label("用户名").fill("leader1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{demo_server}/tasks")
    expect(page.get_by_role("link", name="分管省领导审批")).to_be_visible()
    # The leader decides on the facts: the change old against new, the weights, the reason.
    page.get_by_role("link", name="分管省领导审批").click()
    changes = page.locator('[data-field="changes"]')
    expect(changes.get_by_text("全年完成率100%，并完成整改")).to_be_visible()
    expect(changes.get_by_role("columnheader", name="调整前")).to_be_visible()
    expect(page.locator('[data-field="weight_changes"] tbody tr').first).to_be_visible()
    expect(page.get_by_text("根据省政府最新部署调整目标")).to_be_visible()
    # ... and reads the written request it came with.
    with page.expect_download() as download:
        page.locator('[data-field="document"]').get_by_role("link", name="请示.pdf").click()
    assert download.value.suggested_filename == "请示.pdf"
    assert Path(download.value.path()).read_bytes() == request.read_bytes()
    screenshot(page, "adjustment-leader-decision")
