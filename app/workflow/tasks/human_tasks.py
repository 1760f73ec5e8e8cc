"""Human tasks: see, claim, complete, reassign (the inbox rows themselves: `inbox_sync`)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased, undefer

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import AccessDenied, Conflict, HiddenFromActor, InvalidInput, NotFound
from app.workflow.clock import step_clock
from app.workflow.definitions.error_texts import readable_error
from app.workflow.instances.row_writes import complete_ready_task
from app.workflow.instances.runtime import (
    advance,
    json_safe,
    load_run,
    outcome,
)
from app.workflow.models import HumanTask, HumanTaskState, InstanceStatus, ProcessInstance
from app.workflow.tasks.assignment import OVERSEERS, can_see, can_work, is_assignable, user_id_for
from app.workflow.tasks.task_forms import validated_form_data
from app.workflow.tasks.task_notices import announce_outcome, clear_task_notices
from app.workflow.timers.task_deadlines import working_days_late

# The statements of every completion are built once (their cache keys are computed once).
_TARGET = aliased(HumanTask)
# The task, its instance and the instance's other open tasks: what a completion reads, in one go.
_TASK_WITH_INSTANCE_FOR_UPDATE = (
    select(ProcessInstance, HumanTask)
    .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
    .where(
        ProcessInstance.id
        == select(_TARGET.instance_id).where(_TARGET.id == bindparam("task_id")).scalar_subquery(),
        (HumanTask.id == bindparam("task_id")) | (HumanTask.state == HumanTaskState.READY),
    )
    .options(undefer(ProcessInstance.state_json))
    .with_for_update(of=[ProcessInstance, HumanTask])
    .execution_options(populate_existing=True)
)


def _check_task_request(actor: Actor, task_id: str) -> None:
    if not actor.can(Permission.BUSINESS):
        raise AccessDenied(_("Administrator accounts do no business work."))
    try:
        uuid.UUID(task_id)
    except ValueError:
        raise NotFound(_("No such task.")) from None


def visible_task(session: Session, actor: Actor, task_id: str) -> HumanTask:
    """The task, if the actor may know of it; otherwise NotFound (never a hint it exists)."""
    _check_task_request(actor, task_id)
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(_("No such task."))
    if not (can_work(actor, task) or can_see(actor, task, task.instance.unit_id)):
        raise HiddenFromActor(_("No such task."))
    return task


def _workable(session: Session, actor: Actor, task_id: str) -> HumanTask:
    task = visible_task(session, actor, task_id)
    if not can_work(actor, task):
        raise AccessDenied(_("This task is not yours to work."))
    return task


def _lock_task_and_instance(
    session: Session, task_id: str
) -> tuple[HumanTask, ProcessInstance, list[HumanTask]] | None:
    """The task and its instance in one statement, with the instance's open tasks; the rows are
    locked until the transaction ends.

    The instance is locked first, as everywhere else (`FOR UPDATE OF` locks in the order named);
    locking the task rows too makes PostgreSQL re-read them once the instance lock is granted, so
    a completion that waited sees what the winner left. SQLite: BEGIN IMMEDIATE already.
    """
    rows = session.execute(_TASK_WITH_INSTANCE_FOR_UPDATE, {"task_id": task_id}).all()
    tasks = [row[1] for row in rows]
    task = next((t for t in tasks if t.id == task_id), None)
    return None if task is None else (task, rows[0][0], tasks)


def _locked_workable(
    session: Session, actor: Actor, task_id: str
) -> tuple[HumanTask, ProcessInstance, list[HumanTask]]:
    """Lock the task with its instance (and the instance's open tasks): what is checked is what
    is current."""
    _check_task_request(actor, task_id)
    locked = _lock_task_and_instance(session, task_id)
    if locked is None:
        raise NotFound(_("No such task."))
    task, instance, _tasks = locked
    if not (can_work(actor, task) or can_see(actor, task, instance.unit_id)):
        raise HiddenFromActor(_("No such task."))
    if not can_work(actor, task):
        raise AccessDenied(_("This task is not yours to work."))
    return locked


def claim_task(session: Session, *, actor: Actor, task_id: str, now: datetime) -> HumanTask:
    """Take the task so nobody else works it at the same time."""
    task, _instance, _tasks = _locked_workable(session, actor, task_id)
    if task.state is not HumanTaskState.READY:
        raise Conflict(_("The task is no longer open."))
    if task.claimed_by_id not in (None, actor.user_id):
        raise Conflict(_("Someone else has claimed this task."))
    if task.claimed_by_id is None:
        task.claimed_by_id, task.claimed_at = actor.user_id, now
        record(
            session,
            actor=actor,
            action="task.claim",
            object_type="task",
            object_id=task.id,
            before={"claimed_by": None},
            after={"claimed_by": actor.user_id},
            now=now,
        )
    return task


def unclaim_task(session: Session, *, actor: Actor, task_id: str, now: datetime) -> HumanTask:
    """Give a claimed task back to everyone who may work it."""
    task = _workable(session, actor, task_id)
    if task.claimed_by_id != actor.user_id and not actor.roles & OVERSEERS:
        raise Conflict(_("Someone else has claimed this task."))
    before = task.claimed_by_id
    task.claimed_by_id = task.claimed_at = None
    record(
        session,
        actor=actor,
        action="task.unclaim",
        object_type="task",
        object_id=task.id,
        before={"claimed_by": before},
        after={"claimed_by": None},
        now=now,
    )
    return task


def reassign_task(
    session: Session, *, actor: Actor, task_id: str, username: str, now: datetime
) -> HumanTask:
    """Give the task to one named user (office staff and supervisors)."""
    require(actor, Permission.SUPERVISE)
    task = visible_task(session, actor, task_id)
    user_id = user_id_for(session, username)
    if user_id is None:
        raise InvalidInput(_("No such user."), details=[{"path": "username", "message": "unknown"}])
    if not is_assignable(session, user_id):
        message = _("This account cannot work tasks (disabled, or an administrator).")
        raise InvalidInput(message, details=[{"path": "username", "message": message}])
    before = {"role": task.role, "user_id": task.user_id, "claimed_by": task.claimed_by_id}
    task.role, task.scope_unit_id, task.user_id = None, None, user_id
    task.claimed_by_id = task.claimed_at = None
    record(
        session,
        actor=actor,
        action="task.reassign",
        object_type="task",
        object_id=task.id,
        before=before,
        after={"user_id": user_id},
        now=now,
    )
    return task


_ERROR_TYPE = re.compile(r"^[A-Z]\w*(?:Error|Exception):\s*")


def refusal_text(error: Exception) -> str:
    """What a diagram's script said in refusing a completion, for the person who submitted:
    without the engine's notes ("Error occurred in the Post-Script") or Python's type name."""
    text = str(error.args[0]) if isinstance(error, SpiffWorkflowException) and error.args else ""
    text = _ERROR_TYPE.sub("", (text or str(error)).split("\n")[0]).strip()
    return readable_error(text)[:500]


def _run_completed_step(spiff_task: Task) -> None:
    """Finish the user task in the engine. Its post-script or multi-instance output can fail on
    what was submitted: the completion is refused and nothing is saved (the caller rolls back)."""
    try:
        spiff_task.run()
    except Exception as error:  # anything a diagram's script can raise
        message = refusal_text(error)
        element = spiff_task.task_spec.bpmn_id
        raise InvalidInput(
            _("The step could not be completed: %(m)s", m=message),
            details=[{"path": "", "message": message, "element_id": element}],
        ) from None


@dataclass(frozen=True)
class Completed:
    """The instance after a completion, and its open tasks (None if the engine failed).

    `follow_up`: a form step the completion opened for the same person, so that a page takes
    them straight to it; `returned`: it is the step just completed again (a server-side check
    sent the work back, its reasons in the task's data), not a step further on."""

    instance: ProcessInstance
    open_tasks: list[HumanTask] | None
    follow_up: HumanTask | None = None
    returned: bool = False


def _follow_up(
    actor: Actor, completed: HumanTask, open_before: set[str], open_after: list[HumanTask] | None
) -> HumanTask | None:
    """The first form step opened by the completion that the same actor may work."""
    for task in open_after or []:
        opened = task.id not in open_before and task.state is HumanTaskState.READY
        if opened and task.form and task.id != completed.id and can_work(actor, task):
            return task
    return None


def complete_task(
    session: Session,
    *,
    actor: Actor,
    task_id: str,
    data: Any,
    now: datetime,
) -> Completed:
    """Complete the task with the form's data and run the instance until it waits again."""
    task, instance, tasks_read = _locked_workable(session, actor, task_id)
    open_before = {t.id for t in tasks_read if t.state is HumanTaskState.READY}
    if task.state is not HumanTaskState.READY or instance.status is not InstanceStatus.WAITING:
        raise Conflict(_("The task is no longer open."))
    if task.claimed_by_id not in (None, actor.user_id):
        raise Conflict(_("Someone else has claimed this task."))
    run = load_run(session, instance, actor)
    run.tasks_read = tasks_read
    spiff_task = run.workflow.get_task_from_id(uuid.UUID(task.id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict(_("The task is no longer open."))
    form_data = validated_form_data(task, data, current=spiff_task.data)
    if hasattr(spiff_task.task_spec, "add_data_from_form"):
        spiff_task.task_spec.add_data_from_form(spiff_task, form_data)
    else:
        spiff_task.data.update(form_data)
    with step_clock(now):
        _run_completed_step(spiff_task)
    if task.due_at is not None and task.due_at < now:
        late = working_days_late(run.engine.environment.calendar, task.due_at, now)
        run.event(
            "task_completed_late",
            spiff_task,
            now=now,
            actor=actor,
            detail={"due_at": task.due_at.isoformat(), "working_days_late": late},
        )
    completed_data = json_safe(dict(spiff_task.data))
    complete_ready_task(  # sent by `advance`
        run.writes, task, by_id=actor.user_id, at=now, data=completed_data
    )
    run.event("task_completed", spiff_task, now=now, actor=actor)
    clear_task_notices(run.writes, task.id, now=now)
    advance(session, run, now=now)
    record(
        session,
        actor=actor,
        action="task.complete",
        object_type="task",
        object_id=task.id,
        before={"state": HumanTaskState.READY},
        after={
            "state": task.state,
            "instance_status": instance.status,
            "data": json_safe(form_data),
        },
        now=now,
    )
    ended = run.instance.status is InstanceStatus.COMPLETED and run.deadline_fired is None
    reached = outcome(run.workflow) if ended else None  # a deadline's end is told by `advance`
    if reached:
        announce_outcome(session, run.instance, reached, now=now)
    # `run.instance` is `instance`; read through it, as the status has changed since the check.
    open_tasks = run.open_tasks if run.instance.status is not InstanceStatus.ERROR else None
    follow_up = _follow_up(actor, task, open_before, open_tasks)
    returned = follow_up is not None and follow_up.spec_id == task.spec_id
    return Completed(instance, open_tasks, follow_up, returned)


def task_data(session: Session, actor: Actor, task: HumanTask) -> dict[str, Any]:
    """The data the task's form starts with (the task's data in the engine); a completed task's
    as it completed (the engine keeps no finished tasks that cannot affect the run)."""
    if task.state is HumanTaskState.COMPLETED and task.completed_data is not None:
        return dict(task.completed_data)
    run = load_run(session, task.instance, actor)
    try:
        spiff_task = run.workflow.get_task_from_id(uuid.UUID(task.id))
    except TaskNotFoundException:
        return {}
    data: dict[str, Any] = json_safe(dict(spiff_task.data)) if spiff_task is not None else {}
    return data
