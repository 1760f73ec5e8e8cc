"""Test runs of a diagram that is not deployed: the engine runs in memory and nothing is stored.

User tasks are completed with sample data (the owner's, or the `examples` of the task's form),
checked against the form as the real task would check it;
timers that would wait are fast-forwarded, and service operations are not called: each returns the
owner's sample result or an empty stub, marked as such. No instance, inbox, notification, audit
entry or score is touched, so a test run can go wherever the diagram goes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from app.calendar.services import working_calendar
from app.workflow.definitions.deploy import validate_uploads
from app.workflow.definitions.diagrams import Upload
from app.workflow.definitions.error_texts import readable_error
from app.workflow.definitions.forms import FormProblem, form_errors, load_form
from app.workflow.instances.runtime import DataTooLarge, json_safe
from app.workflow.scripting.environment import SandboxEnvironment, SandboxScriptEngine

MAX_STEPS = 500
LONG_AGO = "2000-01-01T00:00:00+00:00"


class TooManySteps(Exception):
    """The run went on past MAX_STEPS, most likely round a loop."""


@dataclass
class Step:
    """One element the run passed, what happened there (`note`: stubbed, fast_forwarded,
    sample) and the data after it."""

    element_id: str
    name: str
    kind: str
    note: str
    data: dict[str, Any]


@dataclass
class DryRunResult:
    """The path, each step's data and the final data, or the error and its element."""

    key: str
    status: str  # completed, waiting (nothing left to do), error
    steps: list[Step] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_element: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON for the editor."""
        return {
            "key": self.key,
            "status": self.status,
            "path": [s.element_id for s in self.steps],
            "steps": [s.__dict__ for s in self.steps],
            "data": self.data,
            "error": self.error,
            "error_element": self.error_element,
        }


class _StubbedServices(SandboxScriptEngine):
    """Service tasks answer the owner's sample result (or `{}`) instead of running."""

    def __init__(self, environment: SandboxEnvironment, samples: dict[str, Any]) -> None:
        super().__init__(environment=environment)
        self.samples = samples

    def call_service(self, task: Any, **kwargs: Any) -> str:
        """The stubbed result, as JSON (what SpiffWorkflow stores in the result variable)."""
        return json.dumps(self.samples.get(task.task_spec.bpmn_id, {}), default=str)


def _kind(task: Task) -> str:
    spec = task.task_spec
    if isinstance(spec, ServiceTask):
        return "service"
    if getattr(spec, "manual", False):
        return "user"
    if getattr(spec, "script", None):
        return "script"
    if _timers(task):
        return "timer"
    return type(spec).__name__


def _timers(task: Task) -> list[TimerEventDefinition]:
    definition = getattr(task.task_spec, "event_definition", None)
    parts = (
        definition.event_definitions
        if isinstance(definition, MultipleEventDefinition)
        else [definition]
    )
    return [p for p in parts if isinstance(p, TimerEventDefinition)]


def _step(task: Task, note: str = "") -> Step:
    spec = task.task_spec
    kind = _kind(task)
    if kind == "service" and not note:
        note = "stubbed"
    data = json_safe(dict(task.data))
    limit = current_app.config["MAX_TASK_DATA_BYTES"]
    if len(json.dumps(data).encode()) > limit:  # what a real instance would refuse to hold
        raise DataTooLarge(f"the step left more than {limit} bytes of data", task)
    return Step(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, kind, note, data)


def _sample_for(element_id: str, settings: dict[str, Any], samples: dict[str, Any]) -> Any:
    if element_id in samples:
        return samples[element_id]
    if not settings.get("form"):
        return {}
    try:
        form = load_form(settings["form"])
    except FormProblem:
        return {}
    filled = {}
    for name, prop in form.schema.get("properties", {}).items():
        examples = prop.get("examples") if isinstance(prop, dict) else None
        if isinstance(examples, list) and examples:
            filled[name] = examples[0]
    top = form.schema.get("examples")
    if isinstance(top, list) and top and isinstance(top[0], dict):
        filled.update(top[0])
    return filled


def _fast_forward(workflow: BpmnWorkflow) -> list[Task]:
    """Make every waiting timer due now; the tasks whose timers were moved."""
    moved = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if not _timers(task):
            continue
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            value["next"] = LONG_AGO
        elif value is not None:
            task.internal_data["event_value"] = LONG_AGO
        else:
            continue
        moved.append(task)
    return moved


# A user task's sample that means "nobody acts": its boundary timers are fast-forwarded instead.
WAIT_FOR_TIMERS = "timeout"


class SampleRejected(Exception):
    """The sample data for a user task does not fit its form (the real task would refuse it)."""

    def __init__(self, message: str, task: Task) -> None:
        super().__init__(message)
        self.task = task


def _check_sample(task: Task, settings: dict[str, Any], sample: Any) -> None:
    if not settings.get("form"):
        return
    try:
        form = load_form(settings["form"])
    except FormProblem as error:
        raise SampleRejected(str(error), task) from None
    errors = form_errors(form, sample)
    if errors:
        found = "; ".join(f"{e['path'] or '/'}: {e['message']}" for e in errors)
        raise SampleRejected(f"the sample data does not fit the form: {found}", task)


def _complete_user_task(task: Task, sample: Any) -> None:
    form_data = sample if isinstance(sample, dict) else {}
    if hasattr(task.task_spec, "add_data_from_form"):
        task.task_spec.add_data_from_form(task, form_data)
    else:
        task.set_data(**form_data)
    task.run()


def _work_user_task(
    workflow: BpmnWorkflow,
    task: Task,
    settings: dict[str, dict[str, Any]],
    samples: dict[str, Any],
    waited: set[str],
) -> list[str] | None:
    """Complete the task with its sample (None), or, for a sample of `timeout` the first time,
    fast-forward the waiting timers instead (the elements whose timers moved)."""
    element = task.task_spec.bpmn_id
    sample = _sample_for(element, settings.get(element, {}), samples)
    if sample == WAIT_FOR_TIMERS and str(task.id) not in waited:
        waited.add(str(task.id))  # if it is still open afterwards, it is completed
        moved = _fast_forward(workflow)
        if not moved:
            raise SampleRejected("no timer is waiting while this task is open", task)
        return [t.task_spec.bpmn_id for t in moved]
    if sample == WAIT_FOR_TIMERS:
        sample = _sample_for(element, settings.get(element, {}), {})
    _check_sample(task, settings.get(element, {}), sample)
    _complete_user_task(task, sample)
    return None


def _run(
    workflow: BpmnWorkflow,
    result: DryRunResult,
    settings: dict[str, dict[str, Any]],
    samples: dict[str, Any],
) -> None:
    fast_forwarded: set[str] = set()
    waited: set[str] = set()  # user tasks whose sample said to let their timers run out

    def completed(task: Task) -> None:
        if getattr(task.task_spec, "bpmn_id", None):
            note = "fast_forwarded" if task.task_spec.bpmn_id in fast_forwarded else ""
            result.steps.append(_step(task, note))
        if len(result.steps) >= MAX_STEPS:  # a loop of engine steps would never return
            raise TooManySteps(f"stopped after {MAX_STEPS} steps (a loop?)")

    while len(result.steps) < MAX_STEPS:
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=completed)
        if workflow.is_completed():
            result.status = "completed"
            return
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if ready:
            timed_out = _work_user_task(workflow, ready[0], settings, samples, waited)
            if timed_out is None:
                result.steps.append(_step(ready[0], "sample"))
            else:
                fast_forwarded.update(timed_out)
            continue
        moved = _fast_forward(workflow)
        if not moved:
            result.status = "waiting"
            return
        fast_forwarded.update(t.task_spec.bpmn_id for t in moved)
    raise TooManySteps(f"stopped after {MAX_STEPS} steps (a loop?)")


def dry_run(
    session: Session,
    upload: Upload,
    *,
    data: dict[str, Any],
    samples: dict[str, Any],
) -> DryRunResult:
    """Run the diagram from its start with `data`; DiagramInvalid if it would not deploy."""
    bundle = validate_uploads(session, [upload])
    key = next((p for p in bundle.process_ids if p not in bundle.called), bundle.process_ids[0])
    spec, subprocess_specs = bundle.specs[key]
    environment = SandboxEnvironment(working_calendar(session))
    workflow = BpmnWorkflow(
        spec, subprocess_specs, script_engine=_StubbedServices(environment, samples)
    )
    workflow.task_tree.data.update(json_safe(data))
    result = DryRunResult(key, "running")
    try:
        _run(workflow, result, bundle.settings_for(key), samples)
    except Exception as error:  # any engine or script error ends the run at its element
        task = getattr(error, "task", None)
        result.status = "error"
        result.error = readable_error(str(error).split("\n")[0])[:2000]
        result.error_element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
    last = workflow.last_task
    result.data = json_safe(dict(last.data if last is not None else workflow.task_tree.data))
    return result
