"""Nothing typed is lost and a refusal is never reported as success (issue 18): a rejected upload
keeps the progress report's table, a cell's error marks its row and cell, and a draft sent back
by the weight check brings its author straight back to the form with the reasons on top and by
the table; the drafting table has the page's width and totals its weights as they are typed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.roles import Role
from app.extensions import db
from app.org.models import Unit
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from tests.browser.conftest import DEMO_PASSWORD, screenshot, serve_demo, sign_in_as
from tests.factories import make_user

pytestmark = pytest.mark.browser
TASK_IDS: dict[str, str] = {}
IN_THE_DEMO_YEAR = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _prepare() -> None:
    """A staff account for SWT (whose draft waits in its inbox); the demo's open report of FGW
    (unit1's) and SWT's draft."""
    swt = db.session.execute(select(Unit).where(Unit.code == "SWT")).scalar_one()
    make_user("swt1", (Role.UNIT_STAFF, swt), password=DEMO_PASSWORD)
    fgw = db.session.execute(select(Unit).where(Unit.code == "FGW")).scalar_one()
    db.session.commit()
    mine = (
        ("report", ProcessInstance.unit_id == fgw.id),
        ("draft", ProcessInstance.unit_id == swt.id),
    )
    for spec_id, condition in mine:
        query = (
            select(HumanTask.id)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(
                HumanTask.spec_id == spec_id,
                HumanTask.state == HumanTaskState.READY,
                condition,
            )
        )
        TASK_IDS[spec_id] = db.session.execute(query).scalar_one()


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("kept")
    shutil.copy(sqlite_template, folder / "demo.sqlite")
    # The demo is the 2026 year: its monthly report is open only while 2026's reporting runs.
    with time_machine.travel(IN_THE_DEMO_YEAR, tick=True):
        yield from serve_demo(folder, _prepare)


def test_a_refused_upload_keeps_every_row_and_value_of_the_progress_report(
    server: str, page: Page, tmp_path: Path
) -> None:
    sign_in_as(page, server, "unit1")
    page.goto(f"{server}/tasks/{TASK_IDS['report']}")
    percents = page.get_by_label("完成进度（%）")
    summaries = page.get_by_label("本期主要工作")
    rows = percents.count()
    assert rows >= 2
    for row in range(rows):
        percents.nth(row).fill(str(40 + row))
        summaries.nth(row).fill(f"第{row + 1}项按计划推进")
    percents.nth(1).fill("150")  # a cell error as well
    wrong = tmp_path / "进展.exe"
    wrong.write_bytes(b"MZ\x90\x00 not evidence")
    page.locator('input[type="file"][name="evidence"]').set_input_files(str(wrong))
    page.get_by_role("button", name="提交").click()

    expect(page.locator('[data-field="evidence"] .invalid-feedback')).to_be_visible()
    for row in range(rows):
        expected = "150" if row == 1 else str(40 + row)
        expect(percents.nth(row)).to_have_value(expected)
        expect(summaries.nth(row)).to_have_value(f"第{row + 1}项按计划推进")
    screenshot(page, "progress-report-refused-upload")

    percents.nth(1).fill("45")
    page.get_by_role("button", name="提交").click()  # the file was refused, the report is whole
    expect(page.get_by_text("至少填写 1 行")).to_have_count(0)
    expect(page.get_by_text("任务已办结。")).to_be_visible()


def test_a_cell_out_of_range_marks_its_row_and_cell(server: str, page: Page) -> None:
    sign_in_as(page, server, "swt1")
    page.goto(f"{server}/tasks/{TASK_IDS['draft']}")
    weights = page.get_by_label("权重（分）")
    weights.first.fill("95")
    page.get_by_role("button", name="提交").click()
    first_row = page.locator('[data-field="indicators"] tbody tr').first
    expect(first_row).to_have_attribute("data-row-invalid", "true")
    expect(weights.first).to_have_attribute("aria-invalid", "true")
    expect(first_row.locator(".invalid-feedback")).to_contain_text("80")
    expect(page.locator("#f-indicators-errors")).to_contain_text("第 1 行")
    expect(weights.first).to_have_value("95")


def test_the_drafting_table_takes_the_width_and_totals_the_weights_as_they_are_typed(
    server: str, page: Page
) -> None:
    sign_in_as(page, server, "swt1")
    page.goto(f"{server}/tasks/{TASK_IDS['draft']}")
    table = page.locator('[data-field="indicators"] table')
    assert (table.bounding_box() or {"width": 0})["width"] > 1000  # not squeezed into a column
    expect(table.get_by_role("columnheader", name="编号")).to_have_count(0)  # no internal id
    total = page.locator('[data-total-for="indicators"]')
    weights = page.get_by_label("权重（分）")
    for row in range(weights.count()):
        weights.nth(row).fill("")
    weights.first.fill("50")
    expect(total).to_contain_text("当前合计：50 / 80")
    expect(total.get_by_text("（应为 80）")).to_be_visible()
    weights.nth(1).fill("30")
    expect(total).to_contain_text("当前合计：80 / 80")
    expect(total.get_by_text("（应为 80）")).to_be_hidden()
    expect(page.get_by_role("button", name="保存草稿")).to_be_visible()
    screenshot(page, "drafting-table")


def test_a_draft_sent_back_by_the_weight_check_reopens_with_its_reasons(
    server: str, page: Page
) -> None:
    sign_in_as(page, server, "swt1")
    page.goto(f"{server}/tasks/{TASK_IDS['draft']}")
    weights = page.get_by_label("权重（分）")
    weights.first.fill("1")  # the weights no longer total 80
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_text("任务已办结。")).to_have_count(0)
    expect(page).not_to_have_url(f"{server}/tasks")
    expect(page).not_to_have_url(f"{server}/tasks/{TASK_IDS['draft']}")
    expect(page.get_by_role("heading", name="编制绩效指标")).to_be_visible()
    expect(page.locator(".alert-danger").first).to_contain_text("退回")
    expect(page.locator("#f-draft_problems")).to_contain_text("80")
    expect(page.locator("#f-indicators-errors")).to_contain_text("80")  # by the table as well
    expect(page.get_by_label("权重（分）").first).to_have_value("1")
    screenshot(page, "draft-sent-back")
