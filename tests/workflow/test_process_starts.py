"""Processes with a timer start event start once per due time (the monthly cycle)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.roles import Role
from app.calendar.workdays import SHANGHAI
from app.db import utcnow
from app.extensions import db
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.models import ProcessInstance, ProcessStart
from app.workflow.timers.scheduler import run_tick
from tests.factories import make_user
from tests.workflow.helpers import bearer, start, upload

MONTHLY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="monthly_report" name="月度报告" isExecutable="true">
    <bpmn:startEvent id="first_of_month">
      <bpmn:timerEventDefinition>
        <bpmn:timeCycle>"R/2026-01-01T08:00:00+08:00/P1M"</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="first_of_month" targetRef="report" />
    <bpmn:userTask id="report" name="填报月度进展" />
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _starts() -> list[ProcessStart]:
    db.session.expire_all()
    rows = list(db.session.execute(select(ProcessStart).order_by(ProcessStart.due_at)).scalars())
    db.session.commit()
    return rows


def test_a_monthly_cycle_starts_one_instance_per_month(client: FlaskClient) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    deployed = upload(client, bearer(client, "owner1"), ("monthly.bpmn", MONTHLY.encode()))
    assert deployed.status_code == 201, deployed.get_json()
    [pending] = _starts()
    due = pending.due_at  # the next first of a month, 08:00 China time, after today
    local = due.astimezone(SHANGHAI)
    assert (local.day, local.hour) == (1, 8) and utcnow() < due < utcnow() + timedelta(days=32)
    after = _next_month(due)

    assert run_tick(db.session, now=due - timedelta(days=1)) == 0
    assert run_tick(db.session, now=due + timedelta(seconds=1), worker="a") == 1
    assert run_tick(db.session, now=due + timedelta(seconds=2), worker="b") == 0
    done, following = _starts()
    assert done.done_at is not None and done.instance_id is not None
    assert following.due_at == after and following.done_at is None
    instance = db.session.get(ProcessInstance, done.instance_id)
    assert instance.status.value == "waiting"  # at the report task, not at the start timer
    assert instance.data["cycle_due_at"] == due.astimezone(UTC).isoformat()

    # Downtime across a due time: the missed start happens at the first tick, once.
    assert run_tick(db.session, now=after + timedelta(days=19)) == 1
    assert [s.done_at is not None for s in _starts()] == [True, True, False]


def _next_month(moment: datetime) -> datetime:
    local = moment.astimezone(SHANGHAI)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return local.replace(year=year, month=month).astimezone(UTC)


def test_a_redeploy_keeps_the_pending_start(client: FlaskClient) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    owner = bearer(client, "owner1")
    upload(client, owner, ("monthly.bpmn", MONTHLY.encode()))
    upload(client, owner, ("monthly.bpmn", MONTHLY.encode()))
    assert len(_starts()) == 1


def test_a_timer_start_process_can_still_be_started_by_hand(client: FlaskClient) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    upload(client, bearer(client, "owner1"), ("monthly.bpmn", MONTHLY.encode()))
    started = start(client, bearer(client, "office1"), "monthly_report")
    assert started["status"] == "waiting" and started["tasks"][0]["name"] == "填报月度进展"


def _relative_start(timer: str) -> bytes:
    cycle = '<bpmn:timeCycle>"R/2026-01-01T08:00:00+08:00/P1M"</bpmn:timeCycle>'
    return MONTHLY.replace(cycle, timer).encode()


@pytest.mark.parametrize(
    ("timer", "first_due"),
    [
        ('<bpmn:timeDuration>"P2D"</bpmn:timeDuration>', timedelta(days=2)),
        ('<bpmn:timeCycle>"R/P1D"</bpmn:timeCycle>', timedelta(days=1)),
    ],
    ids=["duration", "cycle-from-now"],
)
def test_a_relative_start_timer_counts_from_the_deploys_now(
    app: Flask, timer: str, first_due: timedelta
) -> None:
    deployed_at = datetime(2031, 5, 6, 1, 0, tzinfo=UTC)  # far from the wall clock
    deploy(
        db.session,
        actor=Actor.system("test"),
        uploads=[Upload("relative.bpmn", _relative_start(timer))],
        now=deployed_at,
    )
    db.session.commit()
    [pending] = _starts()
    assert pending.due_at == deployed_at + first_due
