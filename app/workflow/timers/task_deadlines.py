"""Deadlines of human tasks: a reminder before the due date, overdue at it, escalation after.

Defaults (a diagram's `reminderWorkdays` / `escalationWorkdays` properties change them): remind 1
working day before the due date, escalate to the office director 3 working days after it. Alerts
are sent by the scheduler tick, each exactly once: the task row is locked (`SKIP LOCKED` on
PostgreSQL) and its `*_at` stamp is written in the same transaction as the notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import RoleGrant
from app.auth.roles import UNIT_ROLES, Role
from app.calendar.workdays import SHANGHAI, WorkdayCalendar, local_date
from app.notifications.services import notify
from app.workflow.models import HumanTask, HumanTaskState, InstanceEvent

DEFAULT_REMINDER_WORKDAYS = 1
DEFAULT_ESCALATION_WORKDAYS = 3
REMINDER_TIME = time(9, 0)
SYSTEM = Actor.system("deadlines")


# Called when a task goes overdue, in the same transaction (the P proposals listen here).
OverdueListener = Callable[[Session, HumanTask, datetime], None]
OVERDUE_LISTENERS: list[OverdueListener] = []


def _workdays(value: Any, default: int) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else default


def alert_times(
    calendar: WorkdayCalendar,
    due_at: datetime | None,
    settings: dict[str, Any],
    follow_up_at: datetime | None = None,
) -> tuple[datetime | None, datetime | None]:
    """When to remind and when to escalate. The reminder goes out at the task's follow-up date
    when it has one, else at 09:00 China time N working days before the due date."""
    if due_at is None:
        return follow_up_at, None
    before = _workdays(settings.get("reminder_workdays"), DEFAULT_REMINDER_WORKDAYS)
    after = _workdays(settings.get("escalation_workdays"), DEFAULT_ESCALATION_WORKDAYS)
    remind_day = calendar.add_workdays(local_date(due_at), -before) if before else None
    remind_at = (
        datetime.combine(remind_day, REMINDER_TIME, tzinfo=SHANGHAI)
        if remind_day is not None
        else None
    )
    return follow_up_at or remind_at, calendar.workday_deadline(due_at, after)


def working_days_late(calendar: WorkdayCalendar, due_at: datetime, done_at: datetime) -> int:
    """Working days from the due date to `done_at` (0 when on time)."""
    if done_at <= due_at:
        return 0
    late, day, last = 0, local_date(due_at), local_date(done_at)
    while day < last:
        day += timedelta(days=1)
        late += calendar.is_workday(day)
    return max(late, 1)


def holders_of(session: Session, role: Role, unit_id: int | None = None) -> list[int]:
    """Users holding `role` (within `unit_id` for unit roles)."""
    query = select(RoleGrant.user_id).where(RoleGrant.role == role)
    if role in UNIT_ROLES:
        query = query.where(RoleGrant.unit_id == unit_id)
    return list(session.execute(query).scalars())


def workers_of(session: Session, task: HumanTask) -> list[int]:
    """Everyone who may work the task."""
    users = [task.user_id] if task.user_id else []
    if task.role is not None:
        users += holders_of(session, task.role, task.scope_unit_id)
    return users


def _event(
    session: Session, task: HumanTask, kind: str, now: datetime, detail: dict[str, Any]
) -> None:
    session.add(
        InstanceEvent(
            instance_id=task.instance_id,
            occurred_at=now,
            kind=kind,
            task_id=task.id,
            element_id=task.spec_id,
            element_name=task.name,
            detail=detail,
        )
    )


def notify_about_task(
    session: Session,
    users: Iterable[int],
    task: HumanTask,
    *,
    kind: str,
    title: str,
    now: datetime,
) -> int:
    """Notify `users` about `task`, linking to it; how many were notified."""
    return notify(
        session, users, kind=kind, title=title, body=task.name, link=f"/tasks/{task.id}", now=now
    )


def alert_due_tasks(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Send every reminder, overdue notice and escalation that has fallen due; how many tasks."""
    tasks = (
        session.execute(
            select(HumanTask)
            .where(
                HumanTask.state == HumanTaskState.READY,
                or_(
                    (HumanTask.remind_at <= now) & HumanTask.reminded_at.is_(None),
                    (HumanTask.due_at <= now) & HumanTask.overdue_at.is_(None),
                    (HumanTask.escalate_at <= now) & HumanTask.escalated_at.is_(None),
                ),
            )
            .order_by(HumanTask.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    for task in tasks:
        _alert(session, task, now)
    return len(tasks)


def _alert(session: Session, task: HumanTask, now: datetime) -> None:
    unit_id = task.instance.unit_id
    if task.remind_at and task.remind_at <= now and task.reminded_at is None:
        task.reminded_at = now
        if not task.due_at or task.due_at > now:
            notify_about_task(
                session,
                workers_of(session, task),
                task,
                kind="reminder",
                title=_("Task due soon"),
                now=now,
            )
    if task.due_at and task.due_at <= now and task.overdue_at is None:
        task.overdue_at = now
        heads = holders_of(session, Role.UNIT_HEAD, unit_id) if unit_id else []
        recipients = [*workers_of(session, task), *heads, *holders_of(session, Role.SUPERVISOR)]
        notify_about_task(
            session, recipients, task, kind="overdue", title=_("Task overdue"), now=now
        )
        _event(session, task, "task_overdue", now, {"due_at": task.due_at.isoformat()})
        record(
            session,
            actor=SYSTEM,
            action="task.overdue",
            object_type="task",
            object_id=task.id,
            before={"overdue": False},
            after={"overdue": True},
            now=now,
        )
        for listener in OVERDUE_LISTENERS:
            listener(session, task, now)
    if task.escalate_at and task.escalate_at <= now and task.escalated_at is None:
        task.escalated_at = now
        notify_about_task(
            session,
            holders_of(session, Role.OFFICE_DIRECTOR),
            task,
            kind="escalation",
            title=_("Overdue task escalated to you"),
            now=now,
        )
        _event(
            session,
            task,
            "task_escalated",
            now,
            {"due_at": task.due_at.isoformat() if task.due_at else None},
        )
        record(
            session,
            actor=SYSTEM,
            action="task.escalate",
            object_type="task",
            object_id=task.id,
            before={"escalated": False},
            after={"escalated": True},
            now=now,
        )
