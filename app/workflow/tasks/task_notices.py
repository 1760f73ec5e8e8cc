"""Telling people about work (issue 18): a new task reaches whoever may work it (a task that
comes back to a step already done is announced as sent back), the outcome of a procedure
reaches everyone who worked in it, and a task's notices are cleared once it is done.

A procedure's outcome is the name of the end event it reaches: diagrams name their end events
for what happened (指标已公布, 不予调整, 进展已审核), so naming one is what marks it to be told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    String,
    bindparam,
    cast,
    literal,
    null,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from app.auth.models import RoleGrant, User
from app.auth.roles import UNIT_ROLES
from app.db_batch import WriteBatch
from app.notifications.models import Notification
from app.notifications.services import notify, queue_notifications
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.timers.task_deadlines import holders_of

NEW_TASK = "task"
SENT_BACK = "returned"
OUTCOME = "outcome"


def task_link(task_id: str) -> str:
    """The page of a task, as notifications link to it."""
    return f"/tasks/{task_id}"


# For new tasks of one instance, in one round trip and one statement compiled once: the steps
# the instance completed before (the work came back to them), the holders of their roles (unit
# roles within a unit) and their assignees, with email addresses.
_WORKERS_AND_RETURNS: CompoundSelect[Any] = union_all(
    select(literal("done"), HumanTask.spec_id, null(), null(), null())
    .where(
        HumanTask.instance_id == bindparam("instance_id"),
        HumanTask.spec_id.in_(bindparam("spec_ids", expanding=True)),
        HumanTask.state == HumanTaskState.COMPLETED,
    )
    .group_by(HumanTask.spec_id),
    select(literal("grant"), cast(RoleGrant.role, String), RoleGrant.unit_id, User.id, User.email)
    .join(User, User.id == RoleGrant.user_id)
    .where(
        tuple_(RoleGrant.role, RoleGrant.unit_id).in_(bindparam("unit_scopes", expanding=True))
        | RoleGrant.role.in_(bindparam("roles", expanding=True))
    ),
    select(literal("user"), null(), null(), User.id, User.email).where(
        User.id.in_(bindparam("user_ids", expanding=True))
    ),
)


def _workers_and_returns(
    session: Session, instance_id: int, tasks: list[HumanTask]
) -> tuple[dict[str, dict[int, str | None]], set[str]]:
    """Who may work each new task (task id → user id → email address), and which of their steps
    the instance completed before."""
    parameters = {
        "instance_id": instance_id,
        "spec_ids": sorted({t.spec_id for t in tasks}),
        "unit_scopes": sorted(
            {(t.role, t.scope_unit_id) for t in tasks if t.role in UNIT_ROLES},
            key=str,
        ),
        "roles": sorted({t.role for t in tasks if t.role is not None and t.role not in UNIT_ROLES}),
        "user_ids": sorted({t.user_id for t in tasks if t.user_id is not None}),
    }
    rows: list[tuple[str, Any, int | None, int, str | None]] = list(
        session.connection().execute(_WORKERS_AND_RETURNS, parameters).tuples()
    )
    done = {str(spec_id) for what, spec_id, _unit, _user, _email in rows if what == "done"}
    emails = {user: email or None for what, _key, _unit, user, email in rows if what != "done"}
    workers: dict[str, dict[int, str | None]] = {}
    for task in tasks:
        people = {task.user_id: emails.get(task.user_id)} if task.user_id is not None else {}
        for what, role, unit, user, _email in rows:
            in_scope = task.role not in UNIT_ROLES or unit == task.scope_unit_id
            if what == "grant" and role == task.role and in_scope:
                people[user] = emails[user]
        workers[task.id] = people
    return workers, done


def announce_new_tasks(
    session: Session,
    writes: WriteBatch,
    instance_id: int,
    tasks: list[HumanTask],
    done_now: set[str],
    *,
    now: datetime,
) -> None:
    """Tell whoever may work each new task that it is waiting, with a link to it; `done_now`:
    the steps completed in this run (their rows are written at its end). The notices are queued
    in `writes`."""
    if not tasks:
        return
    workers, done_before = _workers_and_returns(session, instance_id, tasks)
    for task in tasks:
        sent_back = task.spec_id in done_now or task.spec_id in done_before
        title = (
            _("Sent back to you: %(task)s", task=task.name)
            if sent_back
            else _("New task: %(task)s", task=task.name)
        )
        recipients = workers[task.id]
        if recipients:
            queue_notifications(
                writes,
                recipients,
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


_CLEAR_NOTICES = (
    update(Notification)
    .where(Notification.link == bindparam("task_link"), Notification.read_at.is_(None))
    .values(read_at=bindparam("cleared_at"))
)


def clear_task_notices(writes: WriteBatch, task_id: str, *, now: datetime) -> None:
    """Mark read every notice about a task that is done: nobody need act on it any more."""
    writes.add(_CLEAR_NOTICES, {"task_link": task_link(task_id), "cleared_at": now})
