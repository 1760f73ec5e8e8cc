"""Test runs: the draft runs in memory with sample data, fast-forwarded timers and stubbed
services; nothing real is touched."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db_session
from app.workflow.models import HumanTask, InstanceEvent, ProcessInstance
from tests.test_workbench_panel import PANEL_XML, owner
from tests.workflow.helpers import DIAGRAMS


def _run(client: FlaskClient, token: str, xml: str, **body: Any) -> Any:
    return client.post(
        "/workbench/api/dry-run", json={"xml": xml, **body}, headers={"X-CSRFToken": token}
    )


def _counts() -> tuple[int, ...]:
    session = db_session()
    return tuple(
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (ProcessInstance, HumanTask, InstanceEvent, AuditEntry)
    )


def test_a_test_run_follows_the_path_with_sample_data_and_stubs(client: FlaskClient) -> None:
    token = owner(client)
    before = _counts()
    result = _run(client, token, PANEL_XML, samples={"Activity_note": {"recorded": "maybe"}})
    assert result.status_code == 200
    run = result.get_json()
    assert run["status"] == "completed", run
    assert run["path"] == [
        "StartEvent_1",
        "Activity_draft",
        "Event_wait",
        "Activity_note",
        "Activity_script",
        "Event_end",
    ]
    notes = {s["element_id"]: s["note"] for s in run["steps"]}
    assert notes["Activity_draft"] == "sample" and notes["Event_wait"] == "fast_forwarded"
    assert notes["Activity_note"] == "stubbed"
    # The user task took its form's examples; the service its sample result.
    assert run["data"]["title"] == "推进营商环境改革" and run["data"]["doubled"] == 40
    assert run["data"]["noted"] == {"recorded": "maybe"}
    db_session().rollback()
    assert _counts() == before


def test_the_owner_s_sample_data_wins_and_errors_name_their_element(client: FlaskClient) -> None:
    token = owner(client)
    typed = _run(client, token, PANEL_XML, samples={"Activity_draft": {"title": "xy", "weight": 3}})
    assert typed.get_json()["data"]["doubled"] == 6
    misfit = _run(client, token, PANEL_XML, samples={"Activity_draft": {"title": "xy"}})
    run = misfit.get_json()
    assert run["status"] == "error" and run["error_element"] == "Activity_draft"
    assert "weight" in run["error"] and run["path"] == ["StartEvent_1"]
    broken = PANEL_XML.replace("doubled = weight * 2", "doubled = weigth * 2")
    run = _run(client, token, broken).get_json()
    assert run["status"] == "error" and run["error_element"] == "Activity_script"
    assert "weigth" in run["error"]
    assert run["path"][-1] == "Activity_note"


def test_a_diagram_that_would_not_deploy_is_not_run(client: FlaskClient) -> None:
    token = owner(client)
    broken = PANEL_XML.replace("doubled = weight * 2", "doubled = = 2")
    refused = _run(client, token, broken)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"][0]["element_id"] == "Activity_script"
    wrong = _run(client, token, PANEL_XML, data=[1])
    assert wrong.status_code == 422


def test_an_endless_loop_is_stopped(client: FlaskClient) -> None:
    token = owner(client)
    looping = PANEL_XML.replace(
        '<bpmn:sequenceFlow id="Flow_5" sourceRef="Activity_script" targetRef="Event_end" />',
        '<bpmn:sequenceFlow id="Flow_5" sourceRef="Activity_script" targetRef="Gateway_loop" />'
        '<bpmn:exclusiveGateway id="Gateway_loop" default="Flow_back" />'
        '<bpmn:sequenceFlow id="Flow_back" sourceRef="Gateway_loop" targetRef="Activity_script" />'
        '<bpmn:sequenceFlow id="Flow_out" sourceRef="Gateway_loop" targetRef="Event_end">'
        "<bpmn:conditionExpression>doubled &lt; 0</bpmn:conditionExpression>"
        "</bpmn:sequenceFlow>",
    ).replace("doubled = weight * 2", "doubled = weight + 1")
    run = _run(client, token, looping).get_json()
    assert run["status"] == "error" and "loop" in run["error"]
    assert len(run["steps"]) == 500


def test_a_step_leaving_too_much_data_ends_the_run(client: FlaskClient) -> None:
    token = owner(client)
    bloated = PANEL_XML.replace("doubled = weight * 2", 'doubled = "x" * 300000')
    run = _run(client, token, bloated).get_json()
    assert run["status"] == "error" and run["error_element"] == "Activity_script"
    assert "bytes" in run["error"]


def test_a_sample_of_timeout_lets_a_tasks_boundary_timer_fire(client: FlaskClient) -> None:
    token = owner(client)
    xml = (DIAGRAMS / "kinds" / "timer_interrupting.bpmn").read_text()
    on_time = _run(client, token, xml, samples={"respond": {"opinion": "agree"}}).get_json()
    assert on_time["status"] == "completed" and "end_on_time" in on_time["path"]
    late = _run(
        client, token, xml, samples={"respond": "timeout", "escalate": {"opinion": "disagree"}}
    ).get_json()
    assert late["status"] == "completed", late
    assert "respond" not in late["path"] and late["path"][-2:] == ["escalate", "end_escalated"]
