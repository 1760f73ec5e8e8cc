"""How diagrams write due dates, follow-up dates and timers, and what deploy checks of them.

Every one of them ends up a sandbox expression. A user task's `dueDate` / `followUpDate`, in either
dialect, may be an ISO 8601 literal (kept as a string), Camunda's `${expr}` or a bare expression.
A timer (timeDate, timeDuration, timeCycle) is an expression in the spiff dialect, as SpiffWorkflow
reads it; in the Camunda dialect it may also be `${expr}` or an unquoted ISO 8601 literal, as
Camunda Modeler writes them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)

from app.calendar.workdays import WorkdayCalendar
from app.workflow.scripting.bounds import HELPER_FUNCTIONS
from app.workflow.scripting.sandbox import (
    HELPER_NAMES,
    ScriptRejected,
    base_globals,
    compile_code,
    evaluate_inline,
    normalized,
    policy_problems,
    runs_inline,
)

MIN_CYCLE = timedelta(hours=1)
# A time unit needs a number before it (P1Y2M3DT4H5M6S, P2W); `P` or `PT` alone is no duration.
_DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$"
)
_CYCLE = re.compile(r"^R\d*/\S+$")
_CAMUNDA_EXPRESSION = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
# What a helper-only expression is evaluated with at deploy: weekends only, no official data.
_DEPLOY_CALENDAR = WorkdayCalendar()


def is_duration(text: str) -> bool:
    """Whether `text` is an ISO 8601 duration such as `P5D` or `PT2H`."""
    return bool(_DURATION.match(text))


def _is_date_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_iso_literal(text: str) -> bool:
    """An ISO 8601 date(-time), duration or repeating interval written as plain text."""
    return _is_date_time(text) or is_duration(text) or bool(_CYCLE.match(text))


def braced_expression(value: str | None) -> str | None:
    """Camunda's `${expr}` (or `#{expr}`) as the expression inside it, else None."""
    match = _CAMUNDA_EXPRESSION.match(value or "")
    return match.group(1).strip() if match else None


def date_expression(value: str | None) -> str | None:
    """A user task's due or follow-up date as an expression: an ISO 8601 literal is quoted,
    `${expr}` gives `expr`, anything else is an expression already."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    inner = braced_expression(text)
    if inner is not None:
        return inner or None
    return repr(text) if is_iso_literal(text) else text


def camunda_timer_expression(value: str | None) -> str | None:
    """A Camunda timer's text as an expression: `${expr}` gives `expr`, an unquoted ISO 8601
    literal is quoted, anything else is taken as an expression."""
    if value is None:
        return None
    text = value.strip()
    inner = braced_expression(text)
    if inner is not None:
        return inner
    return repr(text) if is_iso_literal(text) else text


def timer_definitions(task_spec: Any) -> list[TimerEventDefinition]:
    """The timer event definitions of a task spec (a multiple event may hold several)."""
    definition = getattr(task_spec, "event_definition", None)
    parts = (
        definition.event_definitions
        if isinstance(definition, MultipleEventDefinition)
        else [definition]
    )
    return [p for p in parts if isinstance(p, TimerEventDefinition)]


def timer_value_problem(definition: TimerEventDefinition, value: Any) -> str | None:
    """Why a timer's value cannot be used (None when it can)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.isoformat()  # as the engine hands it to SpiffWorkflow
    try:
        if isinstance(definition, CycleTimerEventDefinition):
            _cycles, _start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
            if duration < MIN_CYCLE:
                return f"timer cycle {value} repeats more often than once an hour"
        else:
            TimerEventDefinition.parse_time_or_duration(value)
    except Exception:  # SpiffWorkflow's parsers raise bare Exceptions
        return (
            f"timer {definition.expression!r} gives {value!r}, which is not an ISO 8601 "
            "date-time, duration or cycle"
        )
    return None


def _name_problems(tree: ast.AST) -> list[str]:
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name):
            continue
        if is_duration(node.id):
            problems.append(f'{node.id} is an ISO 8601 duration: quote it, "{node.id}"')
        elif node.id in HELPER_FUNCTIONS and id(node) not in called:
            problems.append(f"{node.id} is a function: call it, {node.id}(…)")
    return problems


# Turns an expression's value into what the element needs, raising ValueError when it cannot.
ValueCheck = Callable[[Any], Any]


def expression_problems(source: str, what: str, check_value: ValueCheck) -> list[str]:
    """What makes a date or timer expression invalid whatever the task data: code the sandbox
    refuses, a misused name, or, for an expression that reads no task data, a value
    `check_value` refuses (evaluated now, in the sandbox)."""
    try:
        code = compile_code(source, "eval")
    except ScriptRejected as error:
        return [f"{what}: {error}"]
    problems = policy_problems(source, "eval") + _name_problems(
        ast.parse(normalized(source, "eval"), mode="eval")
    )
    if problems or code.names - HELPER_NAMES or not runs_inline(code, {}, {}):
        return [f"{what}: {p}" for p in problems]  # the rest depends on the task's data
    try:
        value = evaluate_inline(code, base_globals(_DEPLOY_CALENDAR))
    except Exception as error:  # any error of the code itself, as it would fail at run time
        return [f"{what} {source!r} fails: {error}"]
    try:
        check_value(value)
    except Exception as error:  # whatever the value is, it is the diagram's problem, not a 500
        return [f"{what}: {error}"]
    return []
