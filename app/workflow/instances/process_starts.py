"""Processes started by a timer start event: one instance per due time of the timer.

A cycle such as `R/2026-12-01T08:00:00+08:00/P1M` (the first of every month) or a single date is
read from the start event when the process is deployed; the next due time waits in
`process_starts`. A start event with the property `startFor` names a registered operation that
lists the instances to start at each due time, one per unit (`[{unit_code, data}]`): recurring
work such as the monthly report then runs as one small instance per unit and cycle. At its
time a scheduler claims the row, starts the latest version, marks the row
done and adds the next due time, all in one transaction. The started instance does not wait for
the timer: deploy turns timer start events into plain ones (`swap_timer_starts`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.calendar.workdays import WorkdayCalendar
from app.workflow.clock import step_clock
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessStart
from app.workflow.registry import REGISTRY, ServiceCall
from app.workflow.scripting.environment import SandboxEnvironment
from app.workflow.scripting.time_expressions import MIN_CYCLE, timer_value_problem

LEASE = timedelta(minutes=5)
SYSTEM = Actor.system("scheduler")
log = logging.getLogger(__name__)


class CycleTooOften(ValueError):
    """A start cycle shorter than MIN_CYCLE."""


@dataclass(frozen=True)
class TimerStart:
    """A process's timer start event: its kind, evaluated value and optional start set."""

    kind: str
    value: str
    start_for: str | None = None


def start_set_of(task_spec: Any) -> str | None:
    """The `startFor` property of a start event (spiff dialect), if any."""
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
    name = str(properties.get("startFor") or "").strip() if isinstance(properties, dict) else ""
    return name or None


def start_timer_value(definition: TimerEventDefinition) -> str:
    """A timer start event's value, evaluated once, at deploy (there is no task data yet); a
    ValueError says why it cannot be used, e.g. a cycle more often than hourly however the
    expression builds it."""
    try:
        value = SandboxEnvironment(WorkdayCalendar()).evaluate(definition.expression, {})
    except Exception as error:  # whatever the code does wrong, it is the diagram's problem
        raise ValueError(f"timer {definition.expression!r} fails: {error}") from None
    problem = timer_value_problem(definition, value)
    if problem:
        raise ValueError(problem)
    return str(value)


def start_timer_expression(spec: Any) -> TimerStart | None:
    """The process's timer start event, if it has one."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(task_spec, StartEvent) and isinstance(definition, TimerEventDefinition):
            value = start_timer_value(definition)
            kind = (
                "cycle"
                if isinstance(definition, CycleTimerEventDefinition)
                else ("date" if isinstance(definition, TimeDateEventDefinition) else "duration")
            )
            return TimerStart(kind, value, start_set_of(task_spec))
    return None


def _due_times(
    kind: str, value: str, now: datetime
) -> tuple[datetime, timedelta | dict[str, Any] | None, int]:
    """First due time, the period (None for a single date) and the count (-1: forever), counted
    from `now` where the value is relative."""
    if kind == "cycle":
        with step_clock(now):  # `R/P1M` starts one period after now
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
        if duration < MIN_CYCLE:  # refused at deploy; a row stored before that ends here
            raise CycleTooOften(f"timer cycle {value} repeats more often than once an hour")
        period = TimerEventDefinition.parse_iso_duration(value.upper().split("/")[-1])
        return start.astimezone(UTC), period, cycles
    parsed = TimerEventDefinition.parse_time_or_duration(value)
    if isinstance(parsed, datetime):
        return parsed.astimezone(UTC), None, 1
    return now + TimerEventDefinition.get_timedelta_from_start(dict(parsed), now), None, 1


def _after(moment: datetime, period: dict[str, Any]) -> datetime:
    step: timedelta = TimerEventDefinition.get_timedelta_from_start(dict(period), moment)
    return moment + step


def schedule_next(
    session: Session,
    key: str,
    kind: str,
    value: str,
    *,
    now: datetime,
    after: datetime | None = None,
    number: int = 0,
    start_for: str | None = None,
) -> ProcessStart | None:
    """Add the next due start of `key` (the first one at or after `now` on deploy)."""
    try:
        first, period, cycles = _due_times(kind, value, now)
    except CycleTooOften as error:
        log.warning("%s: no further start scheduled: %s", key, error)
        return None
    due, index = first, 1
    if after is not None and isinstance(period, dict):
        due, index = _after(after, period), number + 1
    elif isinstance(period, dict):
        while due < now and (cycles < 0 or index < cycles):
            due, index = _after(due, period), index + 1
    elif after is not None:
        return None  # a single date starts once
    if cycles >= 0 and index > cycles:
        return None
    exists = session.execute(
        select(ProcessStart.id).where(ProcessStart.process_key == key, ProcessStart.due_at == due)
    ).first()
    if exists:
        return None
    row = ProcessStart(
        process_key=key, due_at=due, cycle=f"{kind}:{value}", number=index, start_for=start_for
    )
    session.add(row)
    return row


def ensure_scheduled(
    session: Session, key: str, timer: TimerStart | None, *, now: datetime
) -> None:
    """On deploy: if the process starts by timer and has no pending start, schedule one; a
    pending one takes the new version's start set."""
    pending = session.execute(
        select(ProcessStart).where(ProcessStart.process_key == key, ProcessStart.done_at.is_(None))
    ).scalar_one_or_none()
    if timer is None:
        return
    if pending is None:
        schedule_next(session, key, timer.kind, timer.value, now=now, start_for=timer.start_for)
    else:
        pending.start_for = timer.start_for


def claim_due_starts(session: Session, *, worker: str, now: datetime) -> list[int]:
    """Lease the due, unclaimed starts to `worker`."""
    due = (
        select(ProcessStart.id)
        .where(
            ProcessStart.done_at.is_(None),
            ProcessStart.due_at <= now,
            (ProcessStart.lease_until.is_(None)) | (ProcessStart.lease_until < now),
        )
        .order_by(ProcessStart.due_at)
        .limit(50)
        .with_for_update(skip_locked=True)
    )
    return sorted(
        session.execute(
            update(ProcessStart)
            .where(ProcessStart.id.in_(due.scalar_subquery()))
            .values(lease_until=now + LEASE, claimed_by=worker, attempts=ProcessStart.attempts + 1)
            .returning(ProcessStart.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def swap_timer_starts(spec: Any) -> None:
    """Make timer start events plain ones in the stored spec: the schedule lives in
    `process_starts`, and SpiffWorkflow would otherwise wait inside the instance, or replay every
    past cycle as another token in one instance."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(task_spec, StartEvent) and isinstance(definition, TimerEventDefinition):
            task_spec.event_definition = NoneEventDefinition()


def fire_start(session: Session, *, start_id: int, worker: str, now: datetime) -> int | None:
    """Start the instance for one claimed due time; the id of the started instance."""
    row = session.execute(
        select(ProcessStart).where(ProcessStart.id == start_id).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.done_at is not None or row.claimed_by != worker:
        return None
    cycle = {"cycle_due_at": row.due_at.isoformat(), "year": row.due_at.astimezone(UTC).year}
    started = [
        start_instance(
            session,
            actor=SYSTEM,
            key=row.process_key,
            now=now,
            unit_code=unit_code,
            data={**cycle, **data},
        )
        for unit_code, data in _starts_of(session, row, now)
    ]
    row.done_at = now
    row.instance_id = started[0].id if started else None
    kind, value = row.cycle.split(":", 1)
    schedule_next(
        session,
        row.process_key,
        kind,
        value,
        now=now,
        after=row.due_at,
        number=row.number,
        start_for=row.start_for,
    )
    return row.instance_id


def _starts_of(
    session: Session, row: ProcessStart, now: datetime
) -> list[tuple[str | None, dict[str, Any]]]:
    """(unit code, data) of each instance a due time starts: one, or one per unit listed by
    the row's start set."""
    if row.start_for is None:
        return [(None, {})]
    operation = REGISTRY.get(row.start_for)
    if operation is None:
        raise LookupError(f"start set {row.start_for!r} is not registered")
    call = ServiceCall(
        params={"due_at": row.due_at.isoformat()},
        actor=SYSTEM,
        instance_id=None,
        unit_id=None,
        session=session,
        now=now,
    )
    return [(str(item["unit_code"]), dict(item.get("data") or {})) for item in operation.run(call)]
