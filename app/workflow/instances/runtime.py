"""Running instances: start, advance the engine until it waits, record what happened, recover."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload, undefer

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.calendar.services import working_calendar
from app.calendar.workdays import WorkdayCalendar
from app.errors import InvalidInput, NotFound
from app.org.services import unit_by_code
from app.workflow.clock import step_clock, step_now
from app.workflow.definitions.definition_cache import definition_info
from app.workflow.definitions.element_names import element_names
from app.workflow.instances.engine_run import EngineRun
from app.workflow.instances.row_writes import save_step
from app.workflow.instances.serialization import dump_workflow, load_workflow
from app.workflow.models import (
    InstanceEvent,
    InstanceStatus,
    InstanceTimer,
    ProcessDefinition,
    ProcessInstance,
)
from app.workflow.registry import ServiceCall
from app.workflow.scripting.environment import SandboxEnvironment, SandboxScriptEngine
from app.workflow.tasks.assignment import role_of_task
from app.workflow.tasks.inbox_sync import sync_human_tasks
from app.workflow.tasks.task_notices import announce_deadline_end
from app.workflow.timers.timer_rows import sync_timer_rows, waiting_timers

_INSERT_EVENTS = insert(cast(Table, InstanceEvent.__table__))


def json_safe(value: Any) -> Any:
    """Task data as plain JSON (dates, decimals and UUIDs become strings)."""
    return json.loads(json.dumps(value, default=str))


def _engine(
    session: Session, instance: ProcessInstance, actor: Actor, calendar: WorkdayCalendar
) -> SandboxScriptEngine:
    def service_context(params: dict[str, Any]) -> ServiceCall:
        return ServiceCall(
            params=params,
            actor=actor,
            instance_id=instance.id,
            unit_id=instance.unit_id,
            session=session,
            now=step_now(),
        )

    environment = SandboxEnvironment(calendar, service_context)
    return SandboxScriptEngine(environment=environment)


def load_run(
    session: Session,
    instance: ProcessInstance,
    actor: Actor,
    calendar: WorkdayCalendar | None = None,
) -> EngineRun:
    """The instance's workflow with the sandboxed engine attached (never the default one);
    `calendar`: a new one from a `calendar_source` the caller read, else read now."""
    definition = definition_info(session, instance.definition_id)
    workflow = load_workflow(
        definition.dialect, definition.spec_json, instance.state_json, cache_key=definition.spec_key
    )
    engine = _engine(session, instance, actor, calendar or working_calendar(session))
    workflow.script_engine = engine
    return EngineRun(definition, instance, workflow, engine)


def lock_instance(session: Session, instance_id: Any) -> ProcessInstance:
    """The instance row, locked until the transaction ends (SQLite: BEGIN IMMEDIATE already)."""
    instance = session.execute(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .options(undefer(ProcessInstance.state_json), joinedload(ProcessInstance.definition))
        .with_for_update(of=ProcessInstance)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if instance is None:
        raise NotFound(_("No such process instance."))
    return instance


def _definition_for(session: Session, key: str, version: int | None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    definition = session.execute(
        query.order_by(ProcessDefinition.version.desc()).limit(1)
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(
            _("No deployed process %(key)s.", key=key),
            details={"process_key": key, "version": version},
        )
    return definition


def check_data_size(data: Any) -> None:
    """Refuse task data over the configured size cap."""
    size = len(json.dumps(data, default=str).encode())
    limit = current_app.config["MAX_TASK_DATA_BYTES"]
    if size > limit:
        raise InvalidInput(
            _("The data is too large (%(n)d bytes, at most %(m)d).", n=size, m=limit),
            details=[{"path": "", "message": "too large"}],
        )


def _has_unit_tasks(definition: ProcessDefinition) -> bool:
    """Whether some user task goes to a unit role of the instance's unit (no unit of its own, no
    assignee): started by a person without a unit, nobody could work it. (Scheduled starts are
    the diagram's design and are not refused: refused, they would be retried forever.)"""
    return any(
        role_of_task(settings) in UNIT_ROLES
        and not settings.get("unit")
        and not settings.get("assignee")
        for settings in definition.task_settings.values()
    )


def start_instance(
    session: Session,
    *,
    actor: Actor,
    key: str,
    version: int | None = None,
    unit_code: str | None = None,
    data: dict[str, Any] | None = None,
    now: datetime,
) -> ProcessInstance:
    """Start the latest (or the given) version of `key` and run it until it waits."""
    if not actor.is_system:
        require(actor, Permission.BUSINESS)
    definition = _definition_for(session, key, version)
    unit = unit_by_code(session, unit_code) if unit_code else None
    if unit is None and not actor.is_system and _has_unit_tasks(definition):
        message = _("This process has steps for a unit's staff: choose the unit to start it for.")
        raise InvalidInput(message, details=[{"path": "unit_code", "message": message}])
    data = dict(data or {})
    check_data_size(data)
    year = data.get("year") if isinstance(data.get("year"), int) else None
    if unit is not None:
        data.setdefault("unit_code", unit.code)
    info = definition_info(session, definition.id)
    workflow = load_workflow(info.dialect, info.spec_json, cache_key=info.spec_key)
    workflow.task_tree.data.update(data)
    instance = ProcessInstance(
        definition=definition,
        definition_id=definition.id,
        process_key=definition.key,
        status=InstanceStatus.RUNNING,
        unit_id=unit.id if unit else None,
        year=year,
        started_by_id=actor.user_id,
        started_at=now,
        updated_at=now,
        state_json="",  # written by advance() below
        data=json_safe(data),
    )
    session.add(instance)
    session.flush()
    run = EngineRun(
        info, instance, workflow, _engine(session, instance, actor, working_calendar(session))
    )
    workflow.script_engine = run.engine

    run.event("started", now=now, actor=actor)
    advance(session, run, now=now)
    record(
        session,
        actor=actor,
        action="instance.start",
        object_type="process_instance",
        object_id=instance.id,
        after={
            "process_key": key,
            "version": definition.version,
            "unit": unit_code,
            "status": instance.status,
        },
        now=now,
    )
    return instance


def _did_complete(run: EngineRun, now: datetime) -> Any:
    limit = current_app.config["MAX_TASK_DATA_BYTES"]

    def callback(task: Task) -> None:
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None) is None:
            return
        if isinstance(spec, ScriptTask | ServiceTask):
            _check_grown_data(task, limit)
        is_timer = isinstance(
            getattr(spec, "event_definition", None), TimerEventDefinition | MultipleEventDefinition
        )
        if is_timer and isinstance(spec, BoundaryEvent):
            run.deadline_fired = str(spec.bpmn_name or spec.bpmn_id)
        run.event("timer_fired" if is_timer else "task_completed", task, now=now)

    return callback


def _current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    last = workflow.last_task
    data: dict[str, Any] = json_safe(
        dict(last.data if last is not None else workflow.task_tree.data)
    )
    return data


class DataTooLarge(Exception):
    """A step left more data than an instance may hold."""

    def __init__(self, message: str, task: Task | None) -> None:
        super().__init__(message)
        self.task = task


def _check_grown_data(task: Task, limit: int) -> None:
    size = len(json.dumps(task.data, default=str).encode())
    if size > limit:
        raise DataTooLarge(
            f"the step left {size} bytes of data; an instance holds at most {limit}", task
        )


def _failed_task(workflow: BpmnWorkflow, error: Exception) -> Task | None:
    """The task an error happened at; for an error that names none, the step the engine was
    at (an instance error always names its element)."""
    task: Task | None = getattr(error, "task", None)
    if task is not None:
        return task
    for state in (TaskState.ERROR, TaskState.STARTED, TaskState.READY, TaskState.WAITING):
        for candidate in workflow.get_tasks(state=state):
            if getattr(candidate.task_spec, "bpmn_id", None):
                return candidate
    return None


def _error_columns(run: EngineRun, error: Exception, now: datetime) -> dict[str, Any]:
    task = _failed_task(run.workflow, error)
    message = str(error).split("\n")[0][:2000]
    element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
    # SpiffWorkflow keeps no name on some specs (a multi-instance activity): take the diagram's.
    name = element_names(run.instance.definition).get(element) if element else None
    run.event("error", task, now=now, detail={"message": message}, element_name=name)
    return {
        "status": InstanceStatus.ERROR,
        "error_message": message,
        "error_element": getattr(getattr(task, "task_spec", None), "bpmn_id", None),
    }


def _record_completion(session: Session, run: EngineRun, now: datetime) -> None:
    """The instance's end in its history; an end a deadline brought about is marked so, and
    the people involved are told why (an end people brought about is told by the completion)."""
    if run.deadline_fired is None:
        run.event("completed", now=now)
        return
    run.event("completed", now=now, detail={"deadline": run.deadline_fired})
    announce_deadline_end(
        session, run.instance, deadline=run.deadline_fired, outcome=outcome(run.workflow), now=now
    )


def outcome(workflow: BpmnWorkflow) -> str | None:
    """The name of the end event the finished instance reached last (its outcome), if named."""
    ends = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if isinstance(t.task_spec, EndEvent) and t.task_spec.bpmn_name
    ]
    last = max(ends, key=lambda t: t.last_state_change, default=None)
    return str(last.task_spec.bpmn_name).strip() if last is not None else None


def advance(
    session: Session,
    run: EngineRun,
    *,
    now: datetime,
    timer_rows: list[InstanceTimer] | None = None,
    send: bool = True,
) -> None:
    """Run the engine until it waits, then save the state, the tasks and the events (one round
    trip on PostgreSQL). With `send=False` the writes stay in `run.writes` for the caller to send
    together with other runs' (a batch of timers)."""
    instance = run.instance
    had_timers = instance.next_timer_at is not None
    step: dict[str, Any] = {"error_message": None, "error_element": None}
    data: dict[str, Any] = {}
    try:
        with step_clock(now):
            run.workflow.refresh_timers()
            run.workflow.do_engine_steps(did_complete_task=_did_complete(run, now))
        data = _current_data(run.workflow)
        sync_human_tasks(session, run, now=now)
    except SQLAlchemyError:
        raise  # the database's trouble, not the diagram's: the edge answers 503, nothing written
    except Exception as error:  # the diagram's: engine, script, timer and data errors
        step |= _error_columns(run, error, now)
    else:
        if run.workflow.is_completed():
            step |= {"status": InstanceStatus.COMPLETED, "completed_at": now}
            _record_completion(session, run, now)
        else:
            step["status"] = InstanceStatus.WAITING
    step["state_json"] = dump_workflow(run.definition.dialect, run.workflow)
    step["data"] = data or _current_data(run.workflow)
    timers = waiting_timers(run.workflow) if step["status"] is InstanceStatus.WAITING else {}
    step["next_timer_at"] = min((due for _element, due in timers.values()), default=None)
    if timers or had_timers or timer_rows:  # rows exist only while next_timer_at is set
        sync_timer_rows(session, instance.id, timers, now=now, rows=timer_rows)
    step["deadlines_provisional"] = step["next_timer_at"] is not None and bool(
        run.engine.environment.calendar.provisional_years
    )
    step["updated_at"] = now
    save_step(run.writes, instance, step)
    run.writes.add(_INSERT_EVENTS, run.events)
    run.events = []
    if send:
        run.writes.send(session)
