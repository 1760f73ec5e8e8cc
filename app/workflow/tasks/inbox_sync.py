"""Keeping the inbox in step with the engine: a row per ready user task, with its assignment,
due date and alert times; rows of tasks the engine cancelled leave the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.workflow.instances.engine_run import EngineRun
from app.workflow.instances.row_writes import insert_human_tasks
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.scripting.due_dates import moment_from_value
from app.workflow.tasks.assignment import assign, unit_id_for
from app.workflow.tasks.task_notices import announce_new_tasks, clear_task_notices
from app.workflow.timers.task_deadlines import alert_times

# What each evaluated setting is called in an instance's error message.
_SETTING_NAMES = {
    "due": "due date",
    "follow_up": "follow-up date",
    "assignee": "assignee",
    "unit": "unit",
}


def _evaluate(run: EngineRun, task: Task, settings: dict[str, Any], key: str) -> Any:
    """The value of a user task's setting; an error in it is the task's error (so the instance
    error names the element)."""
    expression = settings.get(key)
    if not expression:
        return None
    try:
        return run.engine.environment.evaluate(expression, dict(task.data))
    except Exception as error:
        raise WorkflowTaskException(
            f"{_SETTING_NAMES[key]} {expression}: {error}", task=task, exception=error
        ) from error


def _moment(run: EngineRun, task: Task, settings: dict[str, Any], key: str, now: datetime) -> Any:
    value = _evaluate(run, task, settings, key)
    try:
        return moment_from_value(value, now)
    except ValueError as error:
        raise WorkflowTaskException(
            f"{_SETTING_NAMES[key]} {settings[key]}: {error}", task=task, exception=error
        ) from error


@dataclass(frozen=True)
class TaskDeadlines:
    """A task's due date (and whether it fell in a year without official calendar data), and
    when its workers are reminded and the office director is alerted."""

    due_at: datetime | None
    due_provisional: bool
    remind_at: datetime | None
    escalate_at: datetime | None


def task_deadlines(
    run: EngineRun, task: Task, settings: dict[str, Any], now: datetime
) -> TaskDeadlines:
    """The due date, follow-up date and alert times of a user task, from its settings."""
    calendar = run.engine.environment.calendar
    earlier = set(calendar.provisional_years)
    calendar.provisional_years.clear()
    try:
        due_at = _moment(run, task, settings, "due", now)
        provisional = bool(calendar.provisional_years)
    finally:
        calendar.provisional_years |= earlier
    follow_up_at = _moment(run, task, settings, "follow_up", now)
    remind_at, escalate_at = alert_times(calendar, due_at, settings, follow_up_at)
    return TaskDeadlines(due_at, provisional, remind_at, escalate_at)


def _new_human_task(session: Session, run: EngineRun, task: Task, now: datetime) -> HumanTask:
    definition = run.definition
    settings: dict[str, Any] = dict(definition.task_settings.get(task.task_spec.bpmn_id, {}))
    assignment = assign(
        session,
        run.instance,
        settings,
        definition.uses_lanes,
        _evaluate(run, task, settings, "assignee"),
        unit_id=unit_id_for(session, _evaluate(run, task, settings, "unit")),
    )
    priority = str(settings.get("priority") or "")
    deadlines = task_deadlines(run, task, settings, now)
    return HumanTask(
        id=str(task.id),
        instance_id=run.instance.id,
        spec_id=task.task_spec.bpmn_id,
        name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        lane=settings.get("lane") or task.task_spec.lane,
        role=assignment.role,
        scope_unit_id=assignment.scope_unit_id,
        user_id=assignment.user_id,
        form=settings.get("form"),
        ui_form=settings.get("ui_form"),
        due_at=deadlines.due_at,
        due_provisional=deadlines.due_provisional,
        remind_at=deadlines.remind_at,
        escalate_at=deadlines.escalate_at,
        priority=int(priority) if priority.lstrip("-").isdigit() else 0,
        state=HumanTaskState.READY,
        created_at=now,
    )


_OPEN_OR_NOW_READY = select(HumanTask).where(
    HumanTask.instance_id == bindparam("instance_id"),
    (HumanTask.state == HumanTaskState.READY)
    | HumanTask.id.in_(bindparam("ready_ids", expanding=True)),
)


def open_tasks_of(session: Session, instance_ids: list[int]) -> list[HumanTask]:
    """The open task rows of several instances, in one read (for a batch of engine steps)."""
    return list(
        session.execute(
            select(HumanTask).where(
                HumanTask.instance_id.in_(instance_ids), HumanTask.state == HumanTaskState.READY
            )
        ).scalars()
    )


def _rows_of(session: Session, run: EngineRun, ready_ids: list[str]) -> dict[str, HumanTask]:
    """The instance's task rows that were open before the step or are ready after it."""
    if run.tasks_read is None:
        found = session.execute(
            _OPEN_OR_NOW_READY, {"instance_id": run.instance.id, "ready_ids": ready_ids}
        )
        return {row.id: row for row in found.scalars()}
    rows = {row.id: row for row in run.tasks_read}
    for task_id in ready_ids:  # a row the session holds is updated in place, not inserted
        held = session.identity_map.get(identity_key(HumanTask, task_id))
        if task_id not in rows and held is not None:
            rows[task_id] = held
    return rows


def sync_human_tasks(session: Session, run: EngineRun, *, now: datetime) -> None:
    """Make the inbox match the engine: new READY user tasks in, cancelled ones out; the open
    tasks are left in `run.open_tasks`."""
    ready = {str(t.id): t for t in run.workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = _rows_of(session, run, list(ready))
    for task_id, row in rows.items():
        if row.state is HumanTaskState.READY and task_id not in ready:
            row.state = HumanTaskState.CANCELLED
            clear_task_notices(run.writes, row.id, now=now)  # nobody need act on it any more
            run.event(
                "task_cancelled",
                None,
                now=now,
                task_id=row.id,
                element_id=row.spec_id,
                element_name=row.name,
            )
    open_tasks, new_tasks = [], []
    for task_id, task in ready.items():
        existing = rows.get(task_id)
        if existing is None:
            try:
                existing = _new_human_task(session, run, task, now)
            except WorkflowTaskException:
                task.error()  # so that a retry, with the data corrected, evaluates it again
                raise
            new_tasks.append(existing)
            run.event("task_ready", task, now=now)
        elif existing.state is not HumanTaskState.READY:
            existing.state = HumanTaskState.READY
            existing.completed_at = existing.completed_by_id = None
            run.event("task_ready", task, now=now)
        open_tasks.append(existing)
    insert_human_tasks(session, run.writes, new_tasks)
    done_now = {e["element_id"] for e in run.events if e["kind"] == "task_completed"}
    announce_new_tasks(session, run.writes, run.instance.id, new_tasks, done_now, now=now)
    run.open_tasks = sorted(open_tasks, key=lambda t: (t.created_at, t.id))


def cancel_open_tasks(session: Session, instance: ProcessInstance, *, now: datetime) -> None:
    """Take every open task of the instance out of the inboxes."""
    for row in session.execute(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY
        )
    ).scalars():
        row.state = HumanTaskState.CANCELLED
        row.completed_at = now
