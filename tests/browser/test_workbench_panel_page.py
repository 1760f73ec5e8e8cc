"""The workbench in a real browser: build a diagram with the properties panel, validate, fix,
deploy, start it and find the task in the inbox of the lane's role; then a test run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.browser

# A pool with one lane around the start event, a user task after it and an end event, made with
# the modeler's own modeling API (what dragging from the palette does).
BUILD = """() => {
  const m = window.jxModeler;
  const modeling = m.get("modeling"), registry = m.get("elementRegistry");
  const start = registry.get("StartEvent_1");
  const root = m.get("canvas").getRootElement();
  const pool = modeling.createShape({ type: "bpmn:Participant" }, { x: 450, y: 180 }, root);
  modeling.splitLane(pool, 1);
  const lanes = registry.filter(e => e.type === "bpmn:Lane");
  const at = { x: start.x + 180, y: start.y + 18 };
  const task = modeling.appendShape(start, { type: "bpmn:UserTask" }, at, pool);
  modeling.updateProperties(task, { id: "Activity_draft", name: "起草指标" });
  modeling.appendShape(task, { type: "bpmn:EndEvent" }, { x: task.x + 250, y: task.y + 40 }, pool);
  return { lane: lanes[0].id, lanes: lanes.length };
}"""


def sign_in(page: Page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def select_element(page: Page, element_id: str) -> None:
    page.evaluate(
        "(id) => { const m = window.jxModeler;"
        " m.get('selection').select(m.get('elementRegistry').get(id)); }",
        element_id,
    )


def test_build_validate_fix_deploy_and_work_it(live_server: str, page: Page) -> None:
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/workbench/")
    expect(page.locator('.djs-element[data-element-id="StartEvent_1"]')).to_have_count(1)
    page.get_by_label("流程标识").fill("browser_made")
    page.get_by_label("流程标识").press("Tab")
    page.get_by_label("流程名称").fill("浏览器流程")
    page.get_by_label("流程名称").press("Tab")
    built = page.evaluate(BUILD)
    assert built["lanes"] == 1

    select_element(page, built["lane"])
    page.get_by_label("泳道角色").select_option("office_staff")
    lane_name = page.evaluate(
        "(id) => window.jxModeler.get('elementRegistry').get(id).businessObject.name",
        built["lane"],
    )
    assert lane_name.endswith("(office_staff)")

    page.locator('.djs-element[data-element-id="Activity_draft"]').click()
    page.get_by_label("表单", exact=True).select_option("draft.schema.json")
    page.locator("#jx-form-preview").evaluate("(node) => node.parentElement.open = true")
    expect(page.locator('#jx-form-preview [name="title"]')).to_have_count(1)

    page.get_by_role("button", name="校验").click()
    expect(page.locator("#problems")).to_contain_text("Activity_draft: 用户任务没有办理期限")
    expect(page.locator(".jx-problem-badge")).to_have_count(1)
    screenshot(page, "workbench-editor-problem")

    page.get_by_label("个工作日", exact=True).first.fill("3")
    page.locator("#jx-due-days-apply").click()
    expect(page.locator("#jx-due")).to_have_value("workday_deadline(now(), 3)")
    page.get_by_label("提醒（期限前的工作日数）").fill("2")
    page.get_by_label("提醒（期限前的工作日数）").press("Tab")
    page.locator("#jx-overdue-rule").select_option("none")
    page.locator("#jx-priority").fill("5")
    page.locator("#jx-priority").press("Tab")
    page.get_by_role("button", name="校验").click()
    expect(page.locator("#editor-status")).to_have_text("未发现问题。")
    screenshot(page, "workbench-editor")

    page.locator("#deploy").click()
    expect(page.locator("#deploy-changes")).to_contain_text("Activity_draft")
    page.locator("#deploy-confirm").click()
    expect(page.locator("#editor-status")).to_contain_text("1")

    # What was deployed is exactly what the editor holds, and survives a second import unchanged.
    same = page.evaluate(
        """async () => {
          const saved = (await window.jxModeler.saveXML({ format: true })).xml;
          const stored = await (await fetch("/processes/browser_made/1.bpmn?download=1")).text();
          await window.jxModeler.importXML(stored);
          const again = (await window.jxModeler.saveXML({ format: true })).xml;
          const reminder = stored.includes('name="reminderWorkdays" value="2"');
          const overdue = stored.includes('name="overdueRule" value="none"');
          return [saved === stored, again === stored, reminder, overdue];
        }"""
    )
    assert same == [True, True, True, True]

    page.locator("#test-run").click()
    page.locator("#dry-run-start").click()
    expect(page.locator("#dry-run-status")).to_have_text("试运行已到达结束。")
    expect(page.locator("#dry-run-steps li")).to_have_count(3)
    expect(page.locator('.djs-element.jx-done[data-element-id="Activity_draft"]')).to_have_count(1)
    expect(page.locator(".djs-connection.jx-done")).not_to_have_count(0)  # the flows taken
    screenshot(page, "workbench-test-run")

    page.context.clear_cookies()
    sign_in(page, live_server, "office1")
    page.goto(f"{live_server}/processes")
    page.get_by_label("流程", exact=True).select_option("browser_made")
    page.get_by_role("button", name="发起", exact=True).click()
    page.goto(f"{live_server}/tasks")
    expect(page.get_by_text("起草指标")).to_be_visible()


def test_the_forms_editor_previews_live_and_saves_versions(live_server: str, page: Page) -> None:
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/workbench/forms/edit")
    page.get_by_label("表单名称").fill("browser_opinion")
    schema = page.get_by_label("JSON Schema")
    schema.fill(
        '{"type": "object", "properties": {"opinion": {"type": "string", "title": "Opinion"}}}'
    )
    expect(page.locator('#form-preview [name="opinion"]')).to_have_count(1)
    schema.fill('{"type": "object", ')
    expect(page.locator("#form-schema-error")).not_to_be_empty()
    schema.fill('{"type": "object", "properties": {"opinion": {"type": "string"}}}')
    page.get_by_role("button", name="校验").click()
    expect(page.locator("#form-status")).to_have_text("Schema 有效。")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator("#form-status")).to_contain_text("browser_opinion.v1")
    screenshot(page, "workbench-form-editor")


def test_a_shipped_multi_instance_diagram_keeps_its_collections_and_post_script(
    live_server: str, page: Page
) -> None:
    """bpmn-js treats `loopDataInputRef` as a reference and would drop a variable name on save."""
    shipped = (Path(__file__).resolve().parents[2] / "bpmn" / "indicator_setting.bpmn").read_text()
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/workbench/")
    expect(page.locator('.djs-element[data-element-id="StartEvent_1"]')).to_have_count(1)
    page.evaluate("(xml) => window.jxModeler.importXML(xml)", shipped)
    select_element(page, "expert_review")
    expect(page.locator("#jx-mi-input")).to_have_value("experts")
    expect(page.locator("#jx-mi-output")).to_have_value("reviews")
    expect(page.locator("#jx-mi-item")).to_have_value("expert")
    expect(page.locator("#jx-post-script")).to_have_value(re.compile(r"^review = \{"))
    saved = page.evaluate("async () => (await window.jxModeler.saveXML({ format: true })).xml")
    for kept in (
        "<bpmn:loopDataInputRef>experts</bpmn:loopDataInputRef>",
        "<bpmn:loopDataOutputRef>reviews</bpmn:loopDataOutputRef>",
        'spiffworkflow:scriptsOnInstances="true"',
        "<spiffworkflow:postScript>review = {",
    ):
        assert kept in saved, kept

    page.locator("#jx-mi-input").fill("chosen_experts")
    page.locator("#jx-mi-input").press("Tab")
    saved = page.evaluate("async () => (await window.jxModeler.saveXML({ format: true })).xml")
    assert "<bpmn:loopDataInputRef>chosen_experts</bpmn:loopDataInputRef>" in saved
