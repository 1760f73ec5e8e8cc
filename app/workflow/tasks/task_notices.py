"""Telling people about work (issue 18): a new task reaches whoever may work it (a task that
comes back to a step already done is announced as sent back), the outcome of a procedure
reaches everyone who worked in it, and a task's notices are cleared once it is done.

A procedure's outcome is the name of the end event it reaches: diagrams name their end events
for what happened (指标已公布, 不予调整, 进展已审核), so naming one is what marks it to be told.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.roles import UNIT_ROLES
from app.notifications.models import Notification
from app.notifications.services import notify
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.timers.task_deadlines import holders_of, workers_of

NEW_TASK = "task"
SENT_BACK = "returned"
OUTCOME = "outcome"


def task_link(task_id: str) -> str:
    """The page of a task, as notifications link to it."""
    return f"/tasks/{task_id}"


def _done_before(session: Session, task: HumanTask) -> bool:
    """Whether the instance completed this step before: the work came back to it."""
    found = session.execute(
        select(HumanTask.id)
        .where(
            HumanTask.instance_id == task.instance_id,
            HumanTask.spec_id == task.spec_id,
            HumanTask.state == HumanTaskState.COMPLETED,
        )
        .limit(1)
    )
    return found.first() is not None


def announce_new_tasks(
    session: Session, tasks: Iterable[HumanTask], done_now: set[str], *, now: datetime
) -> None:
    """Tell whoever may work each new task that it is waiting, with a link to it; `done_now`:
    the steps completed in this run (their rows are written at its end)."""
    for task in tasks:
        sent_back = task.spec_id in done_now or _done_before(session, task)
        title = (
            _("Sent back to you: %(task)s", task=task.name)
            if sent_back
            else _("New task: %(task)s", task=task.name)
        )
        notify(
            session,
            workers_of(session, task),
            kind=SENT_BACK if sent_back else NEW_TASK,
            title=title,
            body=task.name,
            link=task_link(task.id),
            now=now,
        )


def _involved(session: Session, instance: ProcessInstance) -> set[int]:
    """The instance's starter and everyone who completed a step of it."""
    people = set(
        session.execute(
            select(HumanTask.completed_by_id).where(
                HumanTask.instance_id == instance.id, HumanTask.completed_by_id.is_not(None)
            )
        ).scalars()
    )
    if instance.started_by_id is not None:
        people.add(instance.started_by_id)
    return {p for p in people if p is not None}


def announce_outcome(
    session: Session, instance: ProcessInstance, outcome: str, *, now: datetime
) -> None:
    """Tell the starter and everyone who completed a step of the instance how it ended."""
    people = _involved(session, instance)
    title = _("%(process)s: %(outcome)s", process=instance.definition.name, outcome=outcome)
    notify(
        session,
        people,
        kind=OUTCOME,
        title=title,
        body=outcome,
        link=f"/instances/{instance.id}",
        now=now,
    )


def announce_deadline_end(
    session: Session,
    instance: ProcessInstance,
    *,
    deadline: str,
    outcome: str | None,
    now: datetime,
) -> None:
    """Tell the starter, everyone who worked in the instance and its unit's staff and head that
    a deadline (`deadline`, the timer's name) ended it, and how (`outcome`)."""
    people = _involved(session, instance)
    if instance.unit_id is not None:
        for role in UNIT_ROLES:
            people.update(holders_of(session, role, instance.unit_id))
    title = _(
        "%(process)s ended automatically by its deadline (%(deadline)s)",
        process=instance.definition.name,
        deadline=deadline,
    )
    notify(
        session,
        people,
        kind=OUTCOME,
        title=title,
        body=outcome or "",
        link=f"/instances/{instance.id}",
        now=now,
    )


def clear_task_notices(session: Session, task_id: str, *, now: datetime) -> None:
    """Mark read every notice about a task that is done: nobody need act on it any more."""
    session.execute(
        update(Notification)
        .where(Notification.link == task_link(task_id), Notification.read_at.is_(None))
        .values(read_at=now)
    )
