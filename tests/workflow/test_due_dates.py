"""Due dates, follow-up dates and timers in either dialect: literals, durations, expressions and
Camunda's `${…}`; what deploy refuses, at its element; instance errors name their element."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.services import working_calendar
from app.calendar.workdays import SHANGHAI
from app.extensions import db
from app.workflow.instances.recovery import retry_instance
from tests.factories import make_user, sign_in
from tests.workflow.helpers import bearer, inbox, instance, upload

# A Friday morning in Beijing: five working days later is the next Friday.
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def camunda(first: str, *nodes: str, pid: str = "dated") -> bytes:
    """A Camunda Modeler diagram: start → `first` … → end (nodes give their own flows)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}" id="d"
                  targetNamespace="http://jixiao.test/{pid}">
  <bpmn:process id="{pid}" name="{pid}" isExecutable="true" camunda:historyTimeToLive="30">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="{first}" />
    {"".join(nodes)}
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def user_task(element: str, then: str = "end", **attributes: str) -> str:
    attrs = " ".join(f'camunda:{k}="{v}"' for k, v in attributes.items())
    return (
        f'<bpmn:userTask id="{element}" name="填报{element}" '
        f'camunda:candidateGroups="office_staff" {attrs} />'
        f'<bpmn:sequenceFlow id="f_{element}" sourceRef="{element}" targetRef="{then}" />'
    )


def timer(element: str, kind: str, text: str, then: str = "end") -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{element}" name="等待{element}">'
        f"<bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        f'<bpmn:sequenceFlow id="f_{element}" sourceRef="{element}" targetRef="{then}" />'
    )


def spiff_user_task(element: str, **properties: str) -> bytes:
    props = "".join(
        f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in properties.items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="d"
                  targetNamespace="http://jixiao.test/spiff_dated">
  <bpmn:process id="spiff_dated" name="spiff_dated" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{element}" />
    <bpmn:userTask id="{element}" name="填报">
      <bpmn:extensionElements><spiffworkflow:properties>{props}
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="{element}" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture
def frozen(app: Flask) -> Iterator[None]:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    with time_machine.travel(NOW, tick=False):
        yield


def _deploy(client: FlaskClient, xml: bytes) -> Any:
    return upload(client, bearer(client, "owner1"), ("dated.bpmn", xml))


def _start(client: FlaskClient, key: str = "dated", **data: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances",
        headers=bearer(client, "office1"),
        json={"process_key": key, "data": data},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def test_a_camunda_task_takes_its_due_date_in_every_form(client: FlaskClient, frozen: None) -> None:
    calendar = working_calendar(db.session)
    in_five_workdays = calendar.workday_deadline(NOW, 5)
    given = "2027-01-15T17:30:00+08:00"
    forms = {
        "bare": "workday_deadline(now(), 5)",
        "braced": "${workday_deadline(now(), 5)}",
        "data": "${deadline}",
        "literal": given,
        "duration": "P3D",
        "day": "2027-01-20",
    }
    tasks = [user_task(f"t_{name}", then="end", dueDate=due) for name, due in forms.items()]
    parallel = '<bpmn:parallelGateway id="fork" />' + "".join(
        f'<bpmn:sequenceFlow id="to_{n}" sourceRef="fork" targetRef="t_{n}" />' for n in forms
    )
    deployed = _deploy(client, camunda("fork", parallel, *tasks))
    assert deployed.status_code == 201, deployed.get_json()

    started = _start(client, deadline=given)
    assert started["status"] == "waiting", started["error"]
    due = {
        t["spec_id"].removeprefix("t_"): t["due_at"]
        for t in inbox(client, bearer(client, "office1"))
    }
    assert due == {
        "bare": _local(in_five_workdays),
        "braced": _local(in_five_workdays),
        "data": given,
        "literal": given,
        "duration": _local(NOW + timedelta(days=3)),
        "day": "2027-01-20T23:59:59+08:00",
    }
    assert due["bare"] == "2026-12-11T23:59:59+08:00"  # Friday to Friday, five working days


def test_a_follow_up_date_is_when_the_workers_are_reminded(
    client: FlaskClient, frozen: None
) -> None:
    task = user_task(
        "t",
        dueDate="${workday_deadline(now(), 5)}",
        followUpDate="${workday_deadline(now(), 2)}",
    )
    assert _deploy(client, camunda("t", task)).status_code == 201
    _start(client)
    [listed] = inbox(client, bearer(client, "office1"))
    assert listed["follow_up_at"] == "2026-12-08T23:59:59+08:00"
    assert listed["due_at"] == "2026-12-11T23:59:59+08:00"
    sign_in(client, "office1")
    page = client.get(f"/tasks/{listed['id']}").get_data(as_text=True)
    assert 'data-testid="task-follow-up">2026-12-08 23:59' in page


def test_without_a_follow_up_date_the_reminder_is_the_working_day_before(
    client: FlaskClient, frozen: None
) -> None:
    assert (
        _deploy(client, spiff_user_task("t", dueDate="workday_deadline(now(), 5)")).status_code
        == 201
    )
    _start(client, "spiff_dated")
    [listed] = inbox(client, bearer(client, "office1"))
    assert listed["due_at"] == "2026-12-11T23:59:59+08:00"
    assert listed["follow_up_at"] == "2026-12-10T09:00:00+08:00"


@pytest.mark.parametrize(
    ("kind", "text", "due"),
    [
        ("timeDuration", "PT2H", NOW + timedelta(hours=2)),
        ("timeDuration", '${"P1D"}', NOW + timedelta(days=1)),
        ("timeDate", "2027-01-15T09:00:00+08:00", datetime(2027, 1, 15, 1, 0, tzinfo=UTC)),
        (
            "timeDate",
            "${workday_deadline(now(), 1)}",
            datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC),
        ),
        ("timeDate", "workday_deadline(now(), 1)", datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC)),
        ("timeCycle", "R2/PT3H", NOW + timedelta(hours=3)),
    ],
)
def test_a_camunda_timer_is_a_literal_or_an_expression(
    client: FlaskClient, frozen: None, kind: str, text: str, due: datetime
) -> None:
    deployed = _deploy(client, camunda("wait", timer("wait", kind, text)))
    assert deployed.status_code == 201, deployed.get_json()
    started = _start(client)
    assert started["status"] == "waiting", started["error"]
    shown = instance(client, bearer(client, "office1"), started["id"])["next_timer_at"]
    assert datetime.fromisoformat(shown) == due


BAD_CAMUNDA = [
    (
        "a misspelt function",
        user_task("t", dueDate="workday_deadlin(now(), 5)"),
        "t",
        "workday_deadlin",
    ),
    (
        "a braced misspelt function",
        user_task("t", dueDate="${workday_deadlin(now(), 5)}"),
        "t",
        "workday_deadlin",
    ),
    ("a number", user_task("t", dueDate="${5}"), "t", "5"),
    (
        "a function not called",
        user_task("t", dueDate="${workday_deadline(now, 5)}"),
        "t",
        "call it",
    ),
    ("bad syntax", user_task("t", followUpDate="${now() +}"), "t", "follow-up date"),
    ("words for a timer", timer("wait", "timeDuration", '${"tomorrow"}'), "wait", "tomorrow"),
    ("a timer cycle too often", timer("wait", "timeCycle", "R/PT1M"), "wait", "once an hour"),
    (
        "a timer of a wrong type",
        timer("wait", "timeDate", "${add_workdays(date(2027, 1, 4), 1)}"),
        "wait",
        "ISO 8601",
    ),
]


@pytest.mark.parametrize(
    ("case", "node", "element", "word"), BAD_CAMUNDA, ids=[c[0] for c in BAD_CAMUNDA]
)
def test_deploy_refuses_a_camunda_date_that_cannot_be_valid_at_its_element(
    client: FlaskClient, frozen: None, case: str, node: str, element: str, word: str
) -> None:
    refused = _deploy(client, camunda(element, node))
    assert refused.status_code == 422, case
    [problem] = refused.get_json()["error"]["details"]
    assert problem["element_id"] == element and word in problem["message"]


@pytest.mark.parametrize(
    ("properties", "word"),
    [
        ({"dueDate": "workday_deadline(now, 5)"}, "call it"),
        ({"dueDate": "'P5'"}, "P5"),
        ({"followUpDate": "Decimal(1)"}, "follow-up date"),
    ],
)
def test_deploy_refuses_a_spiff_date_that_cannot_be_valid_at_its_element(
    client: FlaskClient, frozen: None, properties: dict[str, str], word: str
) -> None:
    refused = _deploy(client, spiff_user_task("t", **properties))
    assert refused.status_code == 422
    [problem] = refused.get_json()["error"]["details"]
    assert problem["element_id"] == "t" and word in problem["message"]


def test_an_unquoted_duration_in_a_spiff_timer_is_refused_with_the_fix(
    client: FlaskClient, frozen: None
) -> None:
    xml = spiff_user_task("t", dueDate="P5D").replace(
        b'<bpmn:endEvent id="end" />',
        b'<bpmn:boundaryEvent id="late" attachedToRef="t"><bpmn:timerEventDefinition>'
        b"<bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition>"
        b'</bpmn:boundaryEvent><bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="end" />'
        b'<bpmn:endEvent id="end" />',
    )
    refused = _deploy(client, xml)
    assert refused.status_code == 422
    [problem] = refused.get_json()["error"]["details"]
    assert problem["element_id"] == "late" and 'quote it, "P5D"' in problem["message"]


def test_the_cli_and_the_workbench_refuse_a_bad_due_date_at_its_element(
    app: Flask, client: FlaskClient, frozen: None, tmp_path: Any
) -> None:
    xml = camunda("t", user_task("t", dueDate="${workday_deadlin(now(), 5)}"))
    path = tmp_path / "dated.bpmn"
    path.write_bytes(xml)
    failed = app.test_cli_runner().invoke(args=["bpmn", "deploy", str(path)])
    assert failed.exit_code != 0 and "t" in failed.output and "workday_deadlin" in failed.output

    sign_in(client, "owner1")
    html = client.get("/workbench/").get_data(as_text=True)
    at = html.index('name="csrf-token" content="') + len('name="csrf-token" content="')
    checked = client.post(
        "/workbench/validate",
        json={"xml": xml.decode(), "name": "dated"},
        headers={"X-CSRFToken": html[at : html.index('"', at)]},
    )
    assert checked.status_code == 422
    assert any(
        p["element_id"] == "t" and "workday_deadlin" in p["message"]
        for p in checked.get_json()["problems"]
    )


ERRORS = [
    ("a due date of the wrong type", user_task("t", dueDate="${deadline}"), {"deadline": 5}, "t"),
    ("a due date naming missing data", user_task("t", dueDate="${deadline}"), {}, "t"),
    ("an assignee naming missing data", user_task("t", assignee="${who}"), {}, "t"),
    (
        "a timer of words",
        timer("wait", "timeDuration", "${deadline}"),
        {"deadline": "tomorrow"},
        "wait",
    ),
    ("a timer of a number", timer("wait", "timeDate", "${deadline}"), {"deadline": 7}, "wait"),
    (
        "a timer cycle too often",
        timer("wait", "timeCycle", "${deadline}"),
        {"deadline": "R/PT1S"},
        "wait",
    ),
]


@pytest.mark.parametrize(("case", "node", "data", "element"), ERRORS, ids=[c[0] for c in ERRORS])
def test_an_instance_error_names_its_element(
    client: FlaskClient, frozen: None, case: str, node: str, data: dict[str, Any], element: str
) -> None:
    assert _deploy(client, camunda(element, node)).status_code == 201
    started = _start(client, **data)
    assert started["status"] == "error", case
    assert started["error"]["element_id"] == element
    assert started["error"]["element_name"] in {f"填报{element}", f"等待{element}"}
    shown = instance(client, bearer(client, "office1"), started["id"])
    [failed] = [e for e in shown["events"] if e["kind"] == "error"]
    assert (
        failed["element_id"] == element
        and failed["element_name"] == started["error"]["element_name"]
    )


def test_a_due_date_error_is_retried_with_the_data_corrected(
    client: FlaskClient, frozen: None
) -> None:
    assert _deploy(client, camunda("t", user_task("t", dueDate="${deadline}"))).status_code == 201
    failed = _start(client, deadline="next week")
    assert failed["status"] == "error" and failed["error"]["element_id"] == "t"
    office = db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    retried = retry_instance(
        db.session,
        actor=actor_for(office),
        instance_id=failed["id"],
        data={"deadline": "2027-01-15T17:30:00+08:00"},
        now=NOW,
    )
    db.session.commit()
    assert retried.status.value == "waiting"
    [task] = inbox(client, bearer(client, "office1"))
    assert task["due_at"] == "2027-01-15T17:30:00+08:00"


def test_an_error_raised_without_a_task_still_names_the_step(
    client: FlaskClient, frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_assign(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no one to give it to")

    assert _deploy(client, camunda("t", user_task("t"))).status_code == 201
    monkeypatch.setattr("app.workflow.tasks.inbox_sync.assign", failing_assign)
    started = _start(client)
    assert started["status"] == "error"
    assert started["error"] == {
        "message": "no one to give it to",
        "element_id": "t",
        "element_name": "填报t",
    }
