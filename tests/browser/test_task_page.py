"""Working a task in a real browser: inbox, form errors next to fields, the diagram viewer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.browser
DIAGRAM = Path(__file__).resolve().parents[1] / "diagrams" / "simple_di.bpmn"


@pytest.fixture(scope="module")
def started(live_server: str) -> Iterator[str]:
    """Deploy the diagram as owner1 and start it as office1, through the API of the live server."""
    import json
    import urllib.request

    def call(
        method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> dict:
        request = urllib.request.Request(
            live_server + path, data=body, method=method, headers=headers or {}
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def token(username: str) -> dict[str, str]:
        body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
        answer = call("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
        return {"Authorization": f"Bearer {answer['token']}"}

    boundary = "jixiao-boundary"
    payload = io.BytesIO()
    payload.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="simple_di.bpmn"\r\nContent-Type: application/xml\r\n\r\n'.encode()
    )
    payload.write(DIAGRAM.read_bytes())
    payload.write(f"\r\n--{boundary}--\r\n".encode())
    call(
        "POST",
        "/api/v1/process-definitions",
        payload.getvalue(),
        {**token("owner1"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    body = json.dumps({"process_key": "simple_di"}).encode()
    instance = call(
        "POST",
        "/api/v1/process-instances",
        body,
        {**token("office1"), "Content-Type": "application/json"},
    )
    yield str(instance["id"])


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
