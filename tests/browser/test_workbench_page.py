"""The editor in a real browser: the modeler draws a diagram and validation answers on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in_as

pytestmark = pytest.mark.browser


def test_a_process_owner_opens_the_editor_and_validates(live_server: str, page: Page) -> None:
    sign_in_as(page, live_server, "owner1")
    page.goto(f"{live_server}/workbench/")
    expect(page.locator('.djs-element[data-element-id="StartEvent_1"]')).to_have_count(1)
    page.get_by_role("button", name="校验").click()
    expect(page.locator("#editor-status")).not_to_be_empty()
    screenshot(page, "workbench-editor")


def test_the_modeler_palette_speaks_chinese(live_server: str, page: Page) -> None:
    """bpmn-js's own menus went untranslated (issue 18): its translate module gives them in zh."""
    sign_in_as(page, live_server, "owner1")
    page.goto(f"{live_server}/workbench/")
    expect(page.locator(".djs-palette [aria-label='创建任务']")).to_have_count(1)
    expect(page.locator(".djs-palette [aria-label='Create task']")).to_have_count(0)
    page.locator('.djs-element[data-element-id="StartEvent_1"]').click()
    expect(page.locator(".djs-context-pad [title='追加任务']")).to_have_count(1)
