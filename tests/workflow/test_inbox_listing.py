"""The inbox listing (issue 3 §4, §8): what an actor may work, soonest due first, page by page.

The listing is one index search per way a task can be the actor's, merged; these tests hold it
to the plain meaning: every ready task the actor may work, each once, in due order with undated
tasks last, and pages that tile the whole.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.db import utcnow
from app.extensions import db
from app.workflow.models import HumanTask, HumanTaskState
from app.workflow.tasks.assignment import can_work
from app.workflow.tasks.inbox import inbox
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, start, upload


def _task(instance_id: int, number: int, **assigned: Any) -> HumanTask:
    now = utcnow()
    due = assigned.pop("due", None)
    return HumanTask(
        id=str(uuid.uuid4()),
        instance_id=instance_id,
        spec_id="fill",
        name=f"任务{number}",
        state=assigned.pop("state", HumanTaskState.READY),
        priority=0,
        due_at=None if due is None else now + timedelta(days=due),
        created_at=now + timedelta(seconds=number),
        **assigned,
    )


def test_the_listing_is_every_workable_ready_task_once_in_due_order(client: FlaskClient) -> None:
    unit, other = make_unit("FGW"), make_unit("NYT")
    make_user("owner1", Role.PROCESS_OWNER)
    office = make_user("office1", Role.OFFICE_STAFF, (Role.UNIT_STAFF, unit))
    someone = make_user("office2", Role.OFFICE_STAFF)
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    instance_id = start(client, bearer(client, "office1"), "review_lanes", unit_code="FGW")["id"]
    db.session.query(HumanTask).delete()
    tasks = [
        _task(instance_id, 1, role=Role.OFFICE_STAFF, due=3),
        _task(instance_id, 2, role=Role.OFFICE_STAFF, due=None),
        _task(instance_id, 3, user_id=office.id, due=1),
        _task(instance_id, 4, user_id=office.id, due=None),
        # the office's and also the starter's: listed once
        _task(instance_id, 5, role=Role.OFFICE_STAFF, user_id=office.id, due=2),
        _task(instance_id, 6, role=Role.UNIT_STAFF, scope_unit_id=unit.id, due=2),
        _task(instance_id, 7, role=Role.UNIT_STAFF, scope_unit_id=unit.id, due=-1),
        _task(instance_id, 8, role=Role.UNIT_STAFF, scope_unit_id=other.id, due=0),  # not theirs
        _task(instance_id, 9, user_id=someone.id, due=0),  # not theirs
        _task(instance_id, 10, role=Role.OFFICE_STAFF, due=0, state=HumanTaskState.COMPLETED),
        _task(instance_id, 11, role=Role.OFFICE_STAFF, due=3),  # due with 1: created later
    ]
    db.session.add_all(tasks)
    db.session.commit()
    actor = actor_for(db.session.get(User, office.id), None)
    expected = sorted(
        (t for t in tasks if t.state is HumanTaskState.READY and can_work(actor, t)),
        key=lambda t: (t.due_at is None, t.due_at or t.created_at, t.created_at, t.id),
    )
    assert [t.name for t in expected] == [
        "任务7",
        "任务3",
        "任务5",
        "任务6",
        "任务1",
        "任务11",
        "任务2",
        "任务4",
    ]
    listed = inbox(db.session, actor, now=utcnow())
    assert [t.name for t in listed] == [t.name for t in expected]
    pages = [
        [t.name for t in inbox(db.session, actor, now=utcnow(), limit=3, offset=offset)]
        for offset in (0, 3, 6, 9)
    ]
    assert pages == [
        ["任务7", "任务3", "任务5"],
        ["任务6", "任务1", "任务11"],
        ["任务2", "任务4"],
        [],
    ]
    late = inbox(db.session, actor, now=utcnow(), overdue=True)
    # Office staff supervise: late work of everyone, not only their own.
    assert [t.name for t in late] == ["任务7", "任务8", "任务9"]
