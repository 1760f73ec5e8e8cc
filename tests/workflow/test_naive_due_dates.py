"""A naive due date from a diagram is China time, whether the expression gives a `datetime` or
an ISO string (they used to be read 8 hours apart), and so is a naive working-day start."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.roles import Role
from app.calendar.workdays import WorkdayCalendar
from app.extensions import db
from app.workflow.instances.runtime import start_instance
from app.workflow.models import HumanTask
from tests.factories import make_user
from tests.workflow.helpers import BPMN_NS, bearer, upload

NAIVE_DUE = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="naive_due" name="报送" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="report" />
    <bpmn:userTask id="report" name="报送材料">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueDate"
          value="datetime.fromisoformat(due) if as_object else due" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""
NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("as_object", [True, False])
def test_a_naive_due_date_is_china_time(client: FlaskClient, as_object: bool) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    deployed = upload(client, bearer(client, "owner1"), ("n.bpmn", NAIVE_DUE.encode()))
    assert deployed.status_code == 201, deployed.get_json()
    data = {"due": "2027-01-15T17:00:00", "as_object": as_object}
    instance = start_instance(
        db.session, actor=Actor.system("test"), key="naive_due", data=data, now=NOW
    )
    task = db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == instance.id)
    ).scalar_one()
    assert task.due_at == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


def test_a_naive_start_counts_working_days_from_its_china_date() -> None:
    calendar = WorkdayCalendar()
    sunday_evening = "2027-01-17T20:00:00"  # in Beijing; Monday 04:00 if it were UTC
    assert calendar.workday_deadline(sunday_evening, 1).date() == date(2027, 1, 18)
    naive = datetime(2027, 1, 17, 20, 0)
    assert calendar.workday_deadline(naive, 1).date() == date(2027, 1, 18)
