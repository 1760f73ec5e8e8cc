"""The `instance_timers` rows: every waiting timer of an instance, in step with the engine."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workflow.models import InstanceTimer


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[str | None, datetime]]:
    """Task id → (element id, due time, aware UTC) of every waiting timer."""
    timers = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        parts = (
            definition.event_definitions
            if isinstance(definition, MultipleEventDefinition)
            else [definition]
        )
        value = task.internal_data.get("event_value")
        if value is not None and any(isinstance(p, TimerEventDefinition) for p in parts):
            value = value["next"] if isinstance(value, dict) else value
            parsed = TimerEventDefinition.parse_time_or_duration(value)
            if isinstance(parsed, datetime):
                timers[str(task.id)] = (task.task_spec.bpmn_id, parsed)
    return timers


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    """When the earliest waiting timer falls due (aware UTC), if any."""
    return min((due for _element, due in waiting_timers(workflow).values()), default=None)


def open_timer_rows(session: Session, instance_id: int) -> list[InstanceTimer]:
    """The instance's timers that have not fired or been cancelled."""
    return list(
        session.execute(
            select(InstanceTimer).where(
                InstanceTimer.instance_id == instance_id, InstanceTimer.done_at.is_(None)
            )
        ).scalars()
    )


def open_timer_rows_of(session: Session, instance_ids: list[int]) -> list[InstanceTimer]:
    """The open timer rows of several instances, in one read."""
    return list(
        session.execute(
            select(InstanceTimer).where(
                InstanceTimer.instance_id.in_(instance_ids), InstanceTimer.done_at.is_(None)
            )
        ).scalars()
    )


def sync_timer_rows(
    session: Session,
    instance_id: int,
    timers: dict[str, tuple[str | None, datetime]],
    *,
    now: datetime,
    rows: list[InstanceTimer] | None = None,
) -> None:
    """Keep the instance's rows in `instance_timers` equal to its waiting timers: fired or
    cancelled timers are done, new ones are added, moved ones get their new due time.
    `rows`: the instance's open timer rows, if the caller has already read them."""
    for row in open_timer_rows(session, instance_id) if rows is None else rows:
        waiting = timers.pop(row.task_id, None)
        if waiting is None:
            row.done_at = now
        elif waiting[1] != row.due_at:
            row.due_at, row.lease_until, row.claimed_by = waiting[1], None, None
    session.add_all(
        InstanceTimer(instance_id=instance_id, task_id=task_id, element_id=element, due_at=due)
        for task_id, (element, due) in timers.items()
    )
