"""One clock per step: the `now` given to a step is what timers, `now()` and service operations
see; a database error inside a step reaches the edge instead of becoming an instance error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.auth.actor import Actor
from app.auth.roles import Role
from app.extensions import db
from app.workflow.instances.runtime import start_instance
from app.workflow.models import InstanceStatus, ProcessInstance
from app.workflow.registry import REGISTRY, Operation, ServiceCall
from app.workflow.timers.firing import fire_due_timers
from tests.factories import make_user
from tests.workflow.helpers import BPMN_NS, bearer, upload

# Far from any test run's wall clock, so only the step's `now` can produce these values.
STEP_NOW = datetime(2031, 3, 4, 2, 0, tzinfo=UTC)
SYSTEM = Actor.system("test")

CLOCKED = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="clocked" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="stamp" />
    <bpmn:scriptTask id="stamp" name="记时"><bpmn:script>stamped = now().isoformat()</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="stamp" targetRef="ask" />
    <bpmn:serviceTask id="ask" name="问时">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="test.clock" resultVariable="seen">
          <spiffworkflow:parameters />
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="ask" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="等一小时">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def calls(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> list[ServiceCall]:
    received: list[ServiceCall] = []

    def clock(call: ServiceCall) -> dict[str, Any]:
        received.append(call)
        return {"now": call.now.isoformat()}

    operation = Operation("test.clock", "The step's moment.", {}, clock)
    monkeypatch.setitem(REGISTRY.operations, operation.name, operation)
    make_user("owner1", Role.PROCESS_OWNER)
    response = upload(client, bearer(client, "owner1"), ("c.bpmn", CLOCKED.encode()))
    assert response.status_code == 201, response.get_json()
    return received


def test_scripts_operations_and_timers_use_the_steps_now(calls: list[ServiceCall]) -> None:
    session = db.session()
    instance = start_instance(session, actor=SYSTEM, key="clocked", now=STEP_NOW)
    assert instance.status is InstanceStatus.WAITING
    assert instance.data["stamped"] == STEP_NOW.isoformat()
    [call] = calls
    assert call.now == STEP_NOW and call.session is session
    assert instance.data["seen"] == {"now": STEP_NOW.isoformat()}
    assert instance.next_timer_at == STEP_NOW + timedelta(hours=1)

    half_an_hour = STEP_NOW + timedelta(minutes=30)
    assert fire_due_timers(db.session, instance_id=instance.id, now=half_an_hour).status is (
        InstanceStatus.WAITING
    )
    two_hours = STEP_NOW + timedelta(hours=2)
    fired = fire_due_timers(db.session, instance_id=instance.id, now=two_hours)
    assert fired.status is InstanceStatus.COMPLETED and fired.completed_at == two_hours


def test_a_service_call_built_the_old_way_still_has_a_session_and_a_time(
    client: FlaskClient,
) -> None:
    call = ServiceCall(params={}, actor=SYSTEM, instance_id=None, unit_id=None)
    assert call.session is db.session() and call.now.tzinfo is not None


def _instances() -> int:
    db.session.expire_all()
    count = int(db.session.execute(select(func.count()).select_from(ProcessInstance)).scalar_one())
    db.session.commit()
    return count


def test_a_database_error_in_a_step_is_a_503_not_an_instance_error(
    client: FlaskClient, calls: list[ServiceCall], monkeypatch: pytest.MonkeyPatch
) -> None:
    def outage(call: ServiceCall) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    broken = Operation("test.clock", "Fails as a lost connection does.", {}, outage)
    monkeypatch.setitem(REGISTRY.operations, broken.name, broken)
    make_user("office1", Role.OFFICE_STAFF)
    before = _instances()
    response = client.post(
        "/api/v1/process-instances",
        headers=bearer(client, "office1"),
        json={"process_key": "clocked"},
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert _instances() == before
    with pytest.raises(OperationalError):
        start_instance(db.session, actor=SYSTEM, key="clocked", now=STEP_NOW)
    db.session.rollback()
