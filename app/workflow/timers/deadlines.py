"""Recomputing deadlines that were computed provisionally, once a year's calendar is entered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.workflow.clock import step_clock
from app.workflow.instances.runtime import advance, load_run, lock_instance
from app.workflow.models import HumanTask, HumanTaskState, InstanceStatus, ProcessInstance
from app.workflow.tasks.inbox_sync import task_deadlines
from app.workflow.timers.timer_rows import next_timer_due


@dataclass(frozen=True)
class Recomputed:
    """How many task due dates and instance timers were computed again."""

    tasks: int
    instances: int


def provisional_counts(session: Session) -> tuple[int, int]:
    """Open tasks and waiting instances whose deadlines are still provisional."""
    tasks = session.execute(
        select(HumanTask.id).where(
            HumanTask.state == HumanTaskState.READY, HumanTask.due_provisional.is_(True)
        )
    ).all()
    instances = session.execute(
        select(ProcessInstance.id).where(
            ProcessInstance.status == InstanceStatus.WAITING,
            ProcessInstance.deadlines_provisional.is_(True),
        )
    ).all()
    return len(tasks), len(instances)


def _recompute_instance(session: Session, instance_id: int, actor: Actor, now: datetime) -> int:
    instance = lock_instance(session, instance_id)
    run = load_run(session, instance, actor)
    before_timer = instance.next_timer_at
    if instance.deadlines_provisional:
        for waiting in run.workflow.get_tasks(state=TaskState.WAITING):
            waiting.internal_data.pop("event_value", None)
        with step_clock(now):  # a duration timer counts again from the step's time
            run.workflow.refresh_timers()
    changed = 0
    tasks = session.execute(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_provisional.is_(True),
        )
    ).scalars()
    for task in tasks:
        spiff_task = run.workflow.get_task_from_id(uuid.UUID(task.id))
        settings = run.definition.task_settings.get(task.spec_id, {})
        if spiff_task is None:
            continue
        before = {"due_at": task.due_at, "remind_at": task.remind_at}
        deadlines = task_deadlines(run, spiff_task, settings, now)
        task.due_at, task.due_provisional = deadlines.due_at, deadlines.due_provisional
        task.remind_at, task.escalate_at = deadlines.remind_at, deadlines.escalate_at
        record(
            session,
            actor=actor,
            action="task.due_recomputed",
            object_type="task",
            object_id=task.id,
            before=before,
            after={
                "due_at": task.due_at,
                "remind_at": task.remind_at,
                "provisional": task.due_provisional,
            },
            now=now,
        )
        changed += 1
    if instance.deadlines_provisional:
        run.engine.environment.calendar.provisional_years.clear()
        with step_clock(now):
            run.workflow.refresh_timers()
        advance(session, run, now=now)
        record(
            session,
            actor=actor,
            action="instance.timers_recomputed",
            object_type="process_instance",
            object_id=instance.id,
            before={"next_timer_at": before_timer},
            after={
                "next_timer_at": next_timer_due(run.workflow),
                "provisional": instance.deadlines_provisional,
            },
            now=now,
        )
    return changed


def recompute_provisional_deadlines(session: Session, *, actor: Actor, now: datetime) -> Recomputed:
    """Compute every provisional task due date and timer again with the calendar now in force."""
    instance_ids = sorted(
        set(
            session.execute(
                select(ProcessInstance.id)
                .outerjoin(HumanTask, HumanTask.instance_id == ProcessInstance.id)
                .where(
                    ProcessInstance.status == InstanceStatus.WAITING,
                    or_(
                        ProcessInstance.deadlines_provisional.is_(True),
                        (HumanTask.due_provisional.is_(True))
                        & (HumanTask.state == HumanTaskState.READY),
                    ),
                )
            ).scalars()
        )
    )
    tasks = instances = 0
    for instance_id in instance_ids:
        tasks += _recompute_instance(session, instance_id, actor, now)
        instances += 1
    return Recomputed(tasks, instances)
