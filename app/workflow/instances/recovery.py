"""Recovering instances: retry a failed step, or terminate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import Conflict
from app.workflow.instances.runtime import advance, json_safe, load_run, lock_instance
from app.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance
from app.workflow.tasks.inbox_sync import cancel_open_tasks
from app.workflow.timers.timer_rows import sync_timer_rows


def failed_step_data(
    session: Session, instance: ProcessInstance, actor: Actor
) -> dict[str, Any] | None:
    """The data of the step that failed, for office staff to correct before retrying it."""
    if instance.status is not InstanceStatus.ERROR:
        return None
    failed = load_run(session, instance, actor).workflow.get_tasks(state=TaskState.ERROR)
    return json_safe(failed[0].data) if failed else None


def retry_instance(
    session: Session, *, actor: Actor, instance_id: int, data: dict[str, Any] | None, now: datetime
) -> ProcessInstance:
    """Run the failed step again, after merging `data` into its task data (office staff)."""
    require(actor, Permission.RUN_CYCLE)
    instance = lock_instance(session, instance_id)
    if instance.status is not InstanceStatus.ERROR:
        raise Conflict(_("Only an instance in error can be retried."))
    run = load_run(session, instance, actor)
    failed = run.workflow.get_tasks(state=TaskState.ERROR)
    if failed:
        task = failed[0]
        run.workflow.reset_from_task_id(task.id)
        reset = run.workflow.get_task_from_id(task.id)
        reset.data.update(data or {})
    run.event("retried", now=now, actor=actor, detail={"data": json_safe(data or {})})
    before = {"status": instance.status, "error": instance.error_message}
    advance(session, run, now=now)
    record(
        session,
        actor=actor,
        action="instance.retry",
        object_type="process_instance",
        object_id=instance.id,
        before=before,
        after={"status": instance.status},
        now=now,
    )
    return instance


def terminate_instance(
    session: Session, *, actor: Actor, instance_id: int, reason: str, now: datetime
) -> ProcessInstance:
    """Stop an instance for good; its open tasks leave the inboxes."""
    require(actor, Permission.RUN_CYCLE)
    instance = lock_instance(session, instance_id)
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        raise Conflict(_("The instance has already ended."))
    before = instance.status
    instance.status = InstanceStatus.TERMINATED
    instance.completed_at = instance.updated_at = now
    instance.next_timer_at = None
    cancel_open_tasks(session, instance, now=now)
    sync_timer_rows(session, instance.id, {}, now=now)
    session.add(
        InstanceEvent(
            instance_id=instance.id,
            occurred_at=now,
            kind="terminated",
            actor_id=actor.user_id,
            detail={"reason": reason},
        )
    )
    record(
        session,
        actor=actor,
        action="instance.terminate",
        object_type="process_instance",
        object_id=instance.id,
        before={"status": before},
        after={"status": instance.status, "reason": reason},
        now=now,
    )
    return instance
