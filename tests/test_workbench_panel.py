"""The lists the properties panel offers, the script check, form previews, and the spiff XML the
panel writes: it deploys, and its download is the same text."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.auth.roles import Role
from app.extensions import db_session
from app.workflow.definitions.deploy import latest_definition
from tests.factories import make_user, sign_in

# What the panel (bpmn-js + its spiffworkflow moddle descriptor) writes for a lane with a role,
# a user task with form, due date, reminder and escalation, a working-day timer, a service task
# and a script task.
PANEL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_1" targetNamespace="http://jixiao">
  <bpmn:collaboration id="Collaboration_1">
    <bpmn:participant id="Participant_1" processRef="panel_made" />
  </bpmn:collaboration>
  <bpmn:process id="panel_made" name="面板流程" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_1" name="绩效办 (office_staff)">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_draft</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Event_wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_script</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Event_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Activity_draft" name="起草">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="draft.schema.json" />
          <spiffworkflow:property name="dueDate" value="workday_deadline(now(), 5)" />
          <spiffworkflow:property name="reminderWorkdays" value="2" />
          <spiffworkflow:property name="escalationWorkdays" value="4" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="Event_wait" name="等待">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerEventDefinition_1">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">workday_deadline(now(), 3)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="Activity_note" name="记录">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="audit.note" resultVariable="noted">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="message" type="str" value="title" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_3</bpmn:incoming>
      <bpmn:outgoing>Flow_4</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:scriptTask id="Activity_script" name="计算" scriptFormat="python">
      <bpmn:incoming>Flow_4</bpmn:incoming>
      <bpmn:outgoing>Flow_5</bpmn:outgoing>
      <bpmn:script>doubled = weight * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="Event_end">
      <bpmn:incoming>Flow_5</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_draft" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_draft" targetRef="Event_wait" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Event_wait" targetRef="Activity_note" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_note" targetRef="Activity_script" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Activity_script" targetRef="Event_end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""  # noqa: E501  (the XML exactly as bpmn-js writes it)


def owner(client: FlaskClient) -> str:
    """Sign in a process owner; the page's CSRF token."""
    make_user("owner1", Role.PROCESS_OWNER)
    sign_in(client, "owner1")
    html = client.get("/workbench/").get_data(as_text=True)
    start = html.index('name="csrf-token" content="') + len('name="csrf-token" content="')
    return html[start : html.index('"', start)]


def test_the_panel_lists_roles_forms_and_operations(client: FlaskClient) -> None:
    owner(client)
    roles = {r["code"] for r in client.get("/workbench/api/roles").get_json()["roles"]}
    assert {"unit_staff", "office_staff", "provincial_leader"} <= roles and "sysadmin" not in roles
    forms = {f["name"]: f for f in client.get("/workbench/api/forms").get_json()["forms"]}
    assert forms["draft"]["reference"] == "draft.schema.json" and forms["draft"]["title"] == "起草"
    assert "broken_invalid" not in forms
    operations = client.get("/workbench/api/operations").get_json()["operations"]
    profile = next(o for o in operations if o["name"] == "org.unit_profile")
    assert {"name": "unit_code", "required": True} in profile["params"]


def test_the_script_check_uses_the_deploy_sandbox(client: FlaskClient) -> None:
    token = owner(client)
    headers = {"X-CSRFToken": token}
    good = client.post(
        "/workbench/api/check-code", json={"source": "x = add_workdays(d, 3)"}, headers=headers
    )
    assert good.get_json() == {"ok": True, "problems": []}
    bad = client.post("/workbench/api/check-code", json={"source": "x = = 1"}, headers=headers)
    assert not bad.get_json()["ok"] and "syntax error" in bad.get_json()["problems"][0]
    escape = client.post(
        "/workbench/api/check-code",
        json={"source": "().__class__.__base__", "mode": "eval"},
        headers=headers,
    )
    assert not escape.get_json()["ok"]
    imports = client.post(
        "/workbench/api/check-code", json={"source": "import os"}, headers=headers
    )
    assert "imports are not allowed" in imports.get_json()["problems"]
    wrong = client.post("/workbench/api/check-code", json={"source": 3}, headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["details"] == [
        {"field": "source"}
    ]
    assert client.post("/workbench/api/check-code", json={"source": "x"}).status_code == 400


def test_a_form_preview_is_drawn_by_the_server_renderer(client: FlaskClient) -> None:
    token = owner(client)
    headers = {"X-CSRFToken": token}
    drawn = client.post(
        "/workbench/api/form-preview", json={"reference": "draft.schema.json"}, headers=headers
    )
    assert drawn.status_code == 200
    assert 'name="title"' in drawn.get_json()["html"] and "权重" in drawn.get_json()["html"]
    missing = client.post(
        "/workbench/api/form-preview", json={"reference": "nope.schema.json"}, headers=headers
    )
    assert missing.status_code == 422 and "nope" in missing.get_json()["error"]["message"]


def test_a_diagram_written_by_the_panel_deploys_and_downloads_unchanged(
    client: FlaskClient,
) -> None:
    token = owner(client)
    headers = {"X-CSRFToken": token}
    body = {"xml": PANEL_XML, "name": "panel_made"}
    assert client.post("/workbench/validate", json=body, headers=headers).get_json()["ok"]
    deployed = client.post("/workbench/deploy", json=body, headers=headers)
    assert deployed.status_code == 201, deployed.get_json()
    download = client.get("/processes/panel_made/1.bpmn?download=1")
    assert download.get_data(as_text=True) == PANEL_XML
    definition = latest_definition(db_session(), "panel_made")
    assert definition is not None
    settings = definition.task_settings["Activity_draft"]
    assert settings["form"] == "draft.schema.json" and settings["role"] == "office_staff"
    assert settings["due"] == "workday_deadline(now(), 5)"
    assert (settings["reminder_workdays"], settings["escalation_workdays"]) == ("2", "4")


def test_the_editor_refuses_user_tasks_without_form_or_due_date(client: FlaskClient) -> None:
    token = owner(client)
    headers = {"X-CSRFToken": token}
    bare = PANEL_XML.replace(
        '<spiffworkflow:property name="dueDate" value="workday_deadline(now(), 5)" />', ""
    )
    checked = client.post("/workbench/validate", json={"xml": bare}, headers=headers)
    assert checked.status_code == 422
    assert checked.get_json()["problems"] == [
        {"message": "用户任务没有办理期限", "element_id": "Activity_draft", "file": None}
    ]
    refused = client.post("/workbench/deploy", json={"xml": bare}, headers=headers)
    assert refused.status_code == 422


def test_office_staff_cannot_use_the_panel_lists(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    denied = client.get("/workbench/api/forms")
    assert denied.status_code == 403 and denied.get_json()["error"]["code"]
