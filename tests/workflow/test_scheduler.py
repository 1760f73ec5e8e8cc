"""Timers fire exactly once: due rows, claims with leases, two schedulers, a crashed claimer,
downtime, cancelled timers (SECURITY R1–R3 at test scale). The engine compares timers with the
tick's `now`, so a tick dated past a timer's due time fires it: no test waits for the clock."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from app.auth.roles import Role
from app.db import utcnow
from app.db_batch import WriteBatch
from app.extensions import db
from app.workflow.models import InstanceEvent, InstanceStatus, InstanceTimer, ProcessInstance
from app.workflow.timers.scheduler import LEASE, claim_due_timers, fire_timers, run_tick
from tests.factories import make_user
from tests.workflow.helpers import bearer, complete, start, upload

WAIT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="wait_then_act" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT0.3S"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="count" />
    <bpmn:scriptTask id="count"><bpmn:script>fired = True</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""

BOUNDARY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d2"
  targetNamespace="t">
  <bpmn:process id="answer_or_escalate" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />
    <bpmn:userTask id="answer" name="答复" />
    <bpmn:boundaryEvent id="late" attachedToRef="answer">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="escalated" />
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="escalated" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def office(client: FlaskClient) -> dict[str, str]:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    owner = bearer(client, "owner1")
    assert upload(client, owner, ("wait.bpmn", WAIT.encode())).status_code == 201
    assert upload(client, owner, ("boundary.bpmn", BOUNDARY.encode())).status_code == 201
    return bearer(client, "office1")


def _timers() -> list[InstanceTimer]:
    db.session.expire_all()
    rows = list(db.session.execute(select(InstanceTimer).order_by(InstanceTimer.id)).scalars())
    db.session.commit()
    return rows


def _fired_per_instance() -> Counter[int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(InstanceEvent.instance_id).where(InstanceEvent.kind == "timer_fired")
    ).scalars()
    counts = Counter(rows)
    db.session.commit()
    return counts


def _past_due() -> datetime:
    """A moment after every `PT0.3S` timer started so far is due."""
    return utcnow() + timedelta(seconds=1)


def _start_many(client: FlaskClient, office: dict[str, str], count: int) -> list[int]:
    return [start(client, office, "wait_then_act")["id"] for _ in range(count)]


def test_a_due_timer_fires_once_and_its_row_is_done(
    client: FlaskClient, office: dict[str, str]
) -> None:
    [instance_id] = _start_many(client, office, 1)
    [row] = _timers()
    assert row.done_at is None and row.element_id == "wait"
    assert run_tick(db.session, now=utcnow() - timedelta(seconds=5)) == 0  # not due yet
    later = _past_due()
    assert run_tick(db.session, now=later) == 1
    assert run_tick(db.session, now=later) == 0
    [row] = _timers()
    assert row.done_at is not None and row.attempts == 1
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert _fired_per_instance() == {instance_id: 1}


def test_two_schedulers_never_fire_a_timer_twice(
    app: Flask, client: FlaskClient, office: dict[str, str]
) -> None:
    ids = _start_many(client, office, 30)
    later = _past_due()
    fired: list[int] = []
    barrier = threading.Barrier(2)

    def scheduler(name: str) -> None:
        with app.app_context():
            barrier.wait()
            for _ in range(3):
                fired.append(run_tick(db.session, now=later, worker=name))
            db.session.remove()

    threads = [threading.Thread(target=scheduler, args=(f"s{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(fired) == 30
    assert _fired_per_instance() == dict.fromkeys(ids, 1)
    assert all(row.done_at is not None and row.attempts == 1 for row in _timers())


def test_a_claimer_that_dies_leaves_a_lease_that_runs_out(
    client: FlaskClient, office: dict[str, str]
) -> None:
    [instance_id] = _start_many(client, office, 1)
    now = _past_due()
    assert claim_due_timers(db.session, worker="dead", now=now) != []
    db.session.commit()  # ... and the claimer is killed before firing
    assert run_tick(db.session, now=now + timedelta(seconds=1), worker="alive") == 0
    later = now + LEASE + timedelta(seconds=1)
    assert run_tick(db.session, now=later, worker="alive") == 1
    [row] = _timers()
    assert row.attempts == 2 and row.claimed_by == "alive" and row.done_at is not None
    assert _fired_per_instance() == {instance_id: 1}


def test_timers_due_during_downtime_fire_at_the_first_tick(
    client: FlaskClient, office: dict[str, str]
) -> None:
    ids = _start_many(client, office, 12)
    # nobody ticks until a day later
    assert run_tick(db.session, now=utcnow() + timedelta(days=1)) == 12
    assert _fired_per_instance() == dict.fromkeys(ids, 1)


@pytest.mark.parametrize("count", [3, 15])
def test_a_batch_of_timers_reads_the_database_a_fixed_number_of_times(
    client: FlaskClient, office: dict[str, str], count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: however many timers a batch holds, it reads their instances, timer rows and
    open tasks and the calendar's revision once each, and sends its instances' writes together
    (one round trip on PostgreSQL); only the size of that one send grows with the batch."""
    ids = _start_many(client, office, count)
    now = _past_due()
    claimed = claim_due_timers(db.session, worker="w", now=now)
    db.session.commit()
    sends: list[int] = []
    real_send = WriteBatch.send

    def count_sends(batch: WriteBatch, session: Any) -> None:
        sends.append(len(batch._writes))
        real_send(batch, session)

    monkeypatch.setattr(WriteBatch, "send", count_sends)
    reads: list[str] = []

    def count_reads(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_reads)
    try:
        assert fire_timers(db.session, timer_ids=claimed, worker="w", now=now) == count
        sends_while_firing = list(sends)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count_reads)
    assert len(reads) == 4, "\n".join(reads)
    assert len(sends_while_firing) == 1 and sends_while_firing[0] >= 2 * count, sends_while_firing
    assert _fired_per_instance() == dict.fromkeys(ids, 1)
    assert all(row.done_at is not None for row in _timers())


def test_a_cancelled_boundary_timer_is_done_without_firing(
    client: FlaskClient, office: dict[str, str]
) -> None:
    started = start(client, office, "answer_or_escalate")
    [row] = _timers()
    assert row.element_id == "late" and row.done_at is None
    assert complete(client, office, started["tasks"][0]["id"]).status_code == 200
    [row] = _timers()
    assert row.done_at is not None and row.attempts == 0
    assert run_tick(db.session, now=utcnow() + timedelta(hours=2)) == 0
    assert _fired_per_instance() == {}


def test_scheduler_tick_command(app: Flask, client: FlaskClient, office: dict[str, str]) -> None:
    _start_many(client, office, 2)
    with time_machine.travel(_past_due(), tick=False):
        result: Any = app.test_cli_runner().invoke(args=["scheduler", "tick"])
    assert "Fired 2 timer(s)." in result.output


def _scheduler_process(url: str, name: str, now: datetime) -> None:
    from app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for _ in range(3):
            run_tick(db.session, now=now, worker=name)
        db.engine.dispose()


def test_two_scheduler_processes_never_fire_a_timer_twice(
    app: Flask, client: FlaskClient, office: dict[str, str]
) -> None:
    import multiprocessing

    ids = _start_many(client, office, 20)
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_scheduler_process, args=(url, f"p{n}", _past_due())) for n in (1, 2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert _fired_per_instance() == dict.fromkeys(ids, 1)
    assert {row.claimed_by for row in _timers()} <= {"p1", "p2"}
