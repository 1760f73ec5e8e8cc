"""JSON shapes of workflow objects in the API (CONTRACT)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import SHANGHAI
from app.workflow.definitions.definition_cache import definition_info
from app.workflow.models import (
    HumanTask,
    HumanTaskState,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
)


def iso(value: datetime | None) -> str | None:
    """An aware time as ISO 8601 in China Standard Time."""
    return value.astimezone(SHANGHAI).isoformat() if value is not None else None


def definition_json(definition: ProcessDefinition) -> dict[str, Any]:
    """One deployed version."""
    return {
        "key": definition.key,
        "name": definition.name,
        "version": definition.version,
        "deployed_at": iso(definition.deployed_at),
        "dialect": definition.dialect,
        "warnings": definition.warnings,
    }


def task_json(task: HumanTask, now: datetime) -> dict[str, Any]:
    """One task as the inbox lists it."""
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "name": task.name,
        "spec_id": task.spec_id,
        "lane": task.lane,
        "role": task.role.value if task.role else None,
        "form": task.form,
        "due_at": iso(task.due_at),
        "follow_up_at": iso(task.remind_at),
        "overdue": task.state is HumanTaskState.READY
        and task.due_at is not None
        and task.due_at < now,
        "state": task.state.value,
        "claimed_by": task.claimed_by_id,
        "priority": task.priority,
        "process_key": task.instance.process_key,
    }


def _event_json(event: InstanceEvent) -> dict[str, Any]:
    return {
        "at": iso(event.occurred_at),
        "kind": event.kind,
        "task_id": event.task_id,
        "element_id": event.element_id,
        "element_name": event.element_name,
        "detail": event.detail,
    }


def _error_json(session: Session, instance: ProcessInstance) -> dict[str, Any]:
    """The instance's error: its message and the element (id and name) where it happened."""
    element_name = session.execute(
        select(InstanceEvent.element_name)
        .where(InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "error")
        .order_by(InstanceEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return {
        "message": instance.error_message,
        "element_id": instance.error_element,
        "element_name": element_name or instance.error_element,
    }


def instance_json(
    session: Session,
    instance: ProcessInstance,
    now: datetime,
    *,
    with_events: bool = True,
    open_tasks: list[HumanTask] | None = None,
) -> dict[str, Any]:
    """An instance with its open tasks (read unless given) and (optionally) its events."""
    tasks = (
        open_tasks
        if open_tasks is not None
        else session.execute(
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY)
            .order_by(HumanTask.created_at, HumanTask.id)
        ).scalars()
    )
    body: dict[str, Any] = {
        "id": instance.id,
        "process_key": instance.process_key,
        # From the per-process cache: the definition row is not loaded for this.
        "version": definition_info(session, instance.definition_id).version,
        "status": instance.status.value,
        "data": instance.data,
        "tasks": [task_json(t, now) for t in tasks],
        "next_timer_at": iso(instance.next_timer_at),
        "error": _error_json(session, instance) if instance.error_message else None,
        "started_at": iso(instance.started_at),
        "completed_at": iso(instance.completed_at),
    }
    if with_events:
        events = session.execute(
            select(InstanceEvent)
            .where(InstanceEvent.instance_id == instance.id)
            .order_by(InstanceEvent.id)
        ).scalars()
        body["events"] = [_event_json(e) for e in events]
    return body
