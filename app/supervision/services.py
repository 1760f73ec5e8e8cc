"""The supervision board: every open task by lateness, chasing and escalating, on-time rates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission, Role
from app.auth.services import require
from app.errors import Conflict, NotFound
from app.org.models import Unit
from app.workflow.definitions.diagrams import lane_label
from app.workflow.models import HumanTask, HumanTaskState, ProcessDefinition, ProcessInstance
from app.workflow.tasks.assignment import nobody_can_work, staffed_roles
from app.workflow.tasks.search import tasks_matching
from app.workflow.timers.task_deadlines import holders_of, notify_about_task, workers_of

CHASE_INTERVAL = timedelta(days=1)


class NobodyToChase(Conflict):
    """The task waits for an account that does not exist: reassign it instead of chasing."""


class Lateness(StrEnum):
    """The green-yellow-red of supervision work."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def lateness(task: HumanTask, now: datetime) -> Lateness:
    """Overdue past the due date; due soon once the reminder time has come."""
    if task.due_at is not None and task.due_at < now:
        return Lateness.OVERDUE
    if task.remind_at is not None and task.remind_at <= now:
        return Lateness.DUE_SOON
    return Lateness.ON_TIME


@dataclass(frozen=True)
class BoardRow:
    """One open task on the board."""

    task: HumanTask
    lateness: Lateness
    unit: Unit | None
    nobody_can_work: bool = False


def board(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    unit_id: int | None = None,
    process_key: str | None = None,
    only: Lateness | None = None,
    lane: str | None = None,
    min_age_days: int = 0,
    search: str | None = None,
) -> list[BoardRow]:
    """Every open task, most late first; filtered by unit, process, lane, age (days open) and
    free text (task, process or unit)."""
    require(actor, Permission.SUPERVISE)
    query = (
        select(HumanTask, Unit)
        .join(HumanTask.instance)
        .outerjoin(Unit, Unit.id == ProcessInstance.unit_id)
        .where(HumanTask.state == HumanTaskState.READY)
        .options(joinedload(HumanTask.instance).joinedload(ProcessInstance.definition))
    )
    if unit_id:
        query = query.where(ProcessInstance.unit_id == unit_id)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if lane:
        query = query.where(HumanTask.lane.contains(lane))
    if min_age_days > 0:
        query = query.where(HumanTask.created_at <= now - timedelta(days=min_age_days))
    if search and search.strip():
        query = query.where(tasks_matching(search))
    staffed = staffed_roles(session)
    rows = [
        BoardRow(task, lateness(task, now), unit, nobody_can_work(task, staffed))
        for task, unit in session.execute(
            query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at)
        ).all()
    ]
    return [row for row in rows if only is None or row.lateness is only]


def _open_task(session: Session, task_id: str) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None or task.state is not HumanTaskState.READY:
        raise NotFound(_("No such open task."))
    return task


def _tell(
    session: Session,
    actor: Actor,
    task: HumanTask,
    users: list[int],
    *,
    kind: str,
    title: str,
    action: str,
    now: datetime,
) -> int:
    sent = notify_about_task(session, users, task, kind=kind, title=title, now=now)
    record(
        session,
        actor=actor,
        action=action,
        object_type="task",
        object_id=task.id,
        after={"recipients": sent},
        now=now,
    )
    return sent


def chase(session: Session, *, actor: Actor, task_id: str, now: datetime) -> int:
    """Remind whoever may work the task; at most once a day per task. Returns the recipients."""
    require(actor, Permission.SUPERVISE)
    task = _open_task(session, task_id)
    if task.chased_at is not None and now - task.chased_at < CHASE_INTERVAL:
        raise Conflict(_("This task was chased less than a day ago."))
    workers = workers_of(session, task)
    if not workers:
        raise NobodyToChase(_("Nobody can work this task: give it to a named person first."))
    task.chased_at = now
    return _tell(
        session,
        actor,
        task,
        workers,
        kind="chase",
        title=_("Please finish this task"),
        action="task.chase",
        now=now,
    )


def escalate(session: Session, *, actor: Actor, task_id: str, now: datetime) -> int:
    """Tell the unit head and the office director about a late task."""
    require(actor, Permission.SUPERVISE)
    task = _open_task(session, task_id)
    recipients = holders_of(session, Role.OFFICE_DIRECTOR)
    if task.instance.unit_id:
        recipients += holders_of(session, Role.UNIT_HEAD, task.instance.unit_id)
    return _tell(
        session,
        actor,
        task,
        recipients,
        kind="escalation",
        title=_("Overdue task escalated to you"),
        action="task.escalate_manually",
        now=now,
    )


@dataclass(frozen=True)
class Rate:
    """Completed tasks with a due date in a period, and how many were on time."""

    label: str
    done: int
    on_time: int

    @property
    def percent(self) -> float:
        """The on-time share in percent (100 when nothing was due)."""
        return 100.0 * self.on_time / self.done if self.done else 100.0


def on_time_rates(
    session: Session, actor: Actor, *, since: datetime, until: datetime
) -> tuple[list[Rate], list[Rate]]:
    """On-time rates per unit and per process for tasks completed in [since, until)."""
    require(actor, Permission.SUPERVISE)
    rows = session.execute(
        select(HumanTask.due_at, HumanTask.completed_at, Unit.name_zh, ProcessDefinition.name)
        .join(HumanTask.instance)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Unit, Unit.id == ProcessInstance.unit_id)
        .where(
            HumanTask.state == HumanTaskState.COMPLETED,
            HumanTask.due_at.is_not(None),
            HumanTask.completed_at >= since,
            HumanTask.completed_at < until,
        )
    ).all()
    by_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_process: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for due_at, completed_at, unit_name, process_name in rows:
        for bucket, label in ((by_unit, unit_name or "—"), (by_process, process_name)):
            bucket[label][0] += 1
            bucket[label][1] += completed_at <= due_at

    def rates(bucket: dict[str, list[int]]) -> list[Rate]:
        return sorted((Rate(k, v[0], v[1]) for k, v in bucket.items()), key=lambda r: r.percent)

    return rates(by_unit), rates(by_process)


def count_by_lateness(rows: Sequence[BoardRow]) -> dict[Lateness, int]:
    """How many open tasks are on time, due soon and overdue."""
    counts = dict.fromkeys(Lateness, 0)
    for row in rows:
        counts[row.lateness] += 1
    return counts


def board_workbook(rows: Sequence[BoardRow], labels: dict[str, str]) -> bytes:
    """The board as an xlsx workbook (times in China Standard Time)."""
    import io  # noqa: PLC0415

    from openpyxl import Workbook  # noqa: PLC0415

    from app.i18n import SHANGHAI  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    sheet.title = labels["sheet"]
    sheet.append([labels[k] for k in ("task", "unit", "process", "lane", "due", "state")])
    for row in rows:
        due = row.task.due_at.astimezone(SHANGHAI).replace(tzinfo=None) if row.task.due_at else None
        sheet.append(
            [
                row.task.name,
                row.unit.name_zh if row.unit else "",
                row.task.instance.definition.name,
                lane_label(row.task.lane),
                due,
                labels[row.lateness.value],
            ]
        )
    for column, width in zip("ABCDEF", (30, 28, 24, 20, 18, 10), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
