"""Deploy-time checks of parsed specs: code under the sandbox, lanes, forms, services, timers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from app.workflow.definitions.diagrams import Bundle, Problem, lane_role
from app.workflow.definitions.forms import FormProblem, choice_provider_problems, load_form
from app.workflow.instances.process_starts import start_set_of, start_timer_value
from app.workflow.registry import REGISTRY
from app.workflow.scripting.due_dates import moment_from_value
from app.workflow.scripting.sandbox import (
    MAX_CARDINALITY,
    ScriptRejected,
    compile_code,
    policy_problems,
)
from app.workflow.scripting.time_expressions import (
    ValueCheck,
    expression_problems,
    timer_definitions,
    timer_value_problem,
)


def _code_of(task_spec: Any) -> Iterator[tuple[str, str, str]]:
    """(mode, what, source) for every piece of code a task spec holds."""
    for attribute in ("script", "prescript", "postscript"):
        source = getattr(task_spec, attribute, None)
        if isinstance(source, str) and source.strip():
            yield "exec", attribute, source
    for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
        expression = getattr(condition, "args", [None])[0] if condition is not None else None
        if isinstance(expression, str) and expression.strip():
            yield "eval", "condition", expression
    for attribute in ("cardinality", "condition"):
        source = getattr(task_spec, attribute, None)
        if isinstance(source, str) and source.strip():
            yield "eval", attribute, source
    for definition in timer_definitions(task_spec):
        yield "eval", "timer", definition.expression
    for name, param in (getattr(task_spec, "operation_params", None) or {}).items():
        yield "eval", f"parameter {name}", str(param.get("value", ""))
    yield from _dmn_code(task_spec)


def _dmn_cell(input_expression: str, cell: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for one input cell."""
    if "?" in cell:
        return cell.replace("?", "dmninputexpr")
    try:
        ast.parse(cell, mode="eval")
    except SyntaxError:
        return f"{input_expression} {cell}"
    return f"({input_expression}) == ({cell})"


def _dmn_code(task_spec: Any) -> Iterator[tuple[str, str, str]]:
    table = getattr(getattr(task_spec, "dmnEngine", None), "decision_table", None)
    if table is None:
        return
    for rule in table.rules:
        for entry in rule.inputEntries:
            expression = entry.input.expression or "None"
            yield "eval", f"DMN input of row {rule.row_number}", expression
            for cell in entry.lhs:
                if cell is not None and cell.strip() and cell.strip() != "-":
                    yield "eval", f"DMN row {rule.row_number}", _dmn_cell(expression, cell)
        for entry in rule.outputEntries:
            if getattr(entry, "text", None):
                yield "eval", f"DMN output of row {rule.row_number}", entry.text


def _timer_value(definition: TimerEventDefinition) -> ValueCheck:
    def check(value: Any) -> None:
        problem = timer_value_problem(definition, value)
        if problem is not None:
            raise ValueError(problem)

    return check


def _check_timer(task_spec: Any, definition: TimerEventDefinition) -> list[Problem]:
    element = task_spec.bpmn_id
    problems = expression_problems(definition.expression, "timer", _timer_value(definition))
    if not problems and isinstance(task_spec, StartEvent):
        try:  # evaluated at deploy, once and without data, whatever names it uses
            start_timer_value(definition)
        except ValueError as error:
            problems.append(f"timer: {error}")
    return [Problem(p, element) for p in problems]


def _date_value(value: Any) -> None:
    moment_from_value(value, datetime.now(UTC))


def _check_dates(settings: dict[str, Any], element: str) -> list[Problem]:
    return [
        Problem(problem, element)
        for key, what in (("due", "due date"), ("follow_up", "follow-up date"))
        if settings.get(key)
        for problem in expression_problems(settings[key], what, _date_value)
    ]


def _check_code(task_spec: Any) -> list[Problem]:
    problems = []
    for mode, what, source in _code_of(task_spec):
        try:
            compile_code(source, mode)
        except ScriptRejected as error:
            problems.append(Problem(f"{what}: {error}", task_spec.bpmn_id))
            continue
        problems += [
            Problem(f"{what}: {problem}", task_spec.bpmn_id)
            for problem in policy_problems(source, mode)
        ]
    if not problems:
        for definition in timer_definitions(task_spec):
            problems += _check_timer(task_spec, definition)
        start_for = start_set_of(task_spec)
        if start_for is not None and REGISTRY.get(start_for) is None:
            problems.append(
                Problem(
                    f"startFor: no operation named {start_for!r} is registered", task_spec.bpmn_id
                )
            )
        cardinality = getattr(task_spec, "cardinality", None)
        if (
            isinstance(cardinality, str)
            and cardinality.strip().isdigit()
            and int(cardinality) > MAX_CARDINALITY
        ):
            problems.append(
                Problem(f"multi-instance cardinality above {MAX_CARDINALITY}", task_spec.bpmn_id)
            )
    return problems


def _check_assignment(task_spec: Any, settings: dict[str, Any], uses_lanes: bool) -> list[Problem]:
    problems = []
    element = task_spec.bpmn_id
    # The task's own lane in the XML wins over the one SpiffWorkflow inherits from a subprocess.
    lane = settings.get("xml_lane") or task_spec.lane
    role = lane_role(lane)
    settings["lane"], settings["role"] = lane, role.value if role else None
    settings["name"] = task_spec.bpmn_name or element
    if uses_lanes and lane is None and not settings.get("assignee"):
        problems.append(Problem("user task is in no lane", element))
    if lane is not None and role is None:
        hint = "use a role code, e.g. '单位经办人 (unit_staff)'"
        problems.append(Problem(f"lane {lane!r} names no role ({hint})", element))
    problems += [
        Problem(f"candidate group {group!r} is not a role", element)
        for group in settings.get("candidate_groups") or []
        if lane_role(group) is None
    ]
    return problems


def _check_human_task(
    task_spec: Any, settings: dict[str, Any], uses_lanes: bool, forms_dir: str
) -> list[Problem]:
    problems = _check_assignment(task_spec, settings, uses_lanes)
    element = task_spec.bpmn_id
    if settings.get("form"):
        try:
            form = load_form(settings["form"], forms_dir)
            problems += [Problem(p, element) for p in choice_provider_problems(form.schema)]
        except FormProblem as error:
            problems.append(Problem(str(error), element))
    problems += _check_dates(settings, element)
    for key in ("assignee", "unit"):
        if settings.get(key):
            try:
                compile_code(settings[key], "eval")
            except ScriptRejected as error:
                problems.append(Problem(f"{key}: {error}", element))
                continue
            problems += [
                Problem(f"{key}: {p}", element) for p in policy_problems(settings[key], "eval")
            ]
    return problems


def lint_bundle(bundle: Bundle, forms_dir: str) -> list[Problem]:
    """Every problem of the bundle's specs; fills in lanes and roles of the task settings."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for key, (spec, subprocess_specs) in bundle.specs.items():
        for process_spec in [spec, *subprocess_specs.values()]:
            if id(process_spec) in seen:
                continue
            seen.add(id(process_spec))
            task_specs = list(process_spec.task_specs.values())
            uses_lanes = any(getattr(ts, "lane", None) for ts in task_specs)
            for task_spec in task_specs:
                if not hasattr(task_spec, "bpmn_id") or task_spec.bpmn_id is None:
                    continue
                problems += _check_code(task_spec)
                operation = getattr(task_spec, "operation_name", None)
                if operation is not None:
                    params = set(getattr(task_spec, "operation_params", {}) or {})
                    problems += [
                        Problem(m, task_spec.bpmn_id) for m in REGISTRY.problems(operation, params)
                    ]
                if getattr(task_spec, "manual", False):
                    settings = bundle.settings_slot(key, task_spec.bpmn_id)
                    problems += _check_human_task(task_spec, settings, uses_lanes, forms_dir)
    return problems
