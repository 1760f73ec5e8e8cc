"""SpiffWorkflow's script engine wired to the sandbox and the service registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from sqlalchemy.exc import SQLAlchemyError

from app.calendar.workdays import WorkdayCalendar
from app.workflow.registry import REGISTRY, ServiceCall
from app.workflow.scripting.sandbox import (
    MAX_CARDINALITY,
    base_globals,
    checked_context,
    compile_code,
    evaluate_inline,
    execute_inline,
    plain_results,
    runs_inline,
)
from app.workflow.scripting.sandbox_runner import runner
from app.workflow.scripting.time_expressions import timer_definitions, timer_value_problem

ServiceContext = Callable[[dict[str, Any]], ServiceCall]


def _timer_friendly(value: Any) -> Any:
    # SpiffWorkflow's timers parse strings only; CONTRACT lets expressions return aware datetimes.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()
    return value


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Runs expressions and scripts in the sandbox; service tasks through the registry."""

    def __init__(self, calendar: WorkdayCalendar, service_context: ServiceContext | None = None):
        super().__init__(base_globals(calendar))
        self.calendar = calendar
        self.service_context = service_context

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        """Evaluate `expression` over task data."""
        code = compile_code(expression, "eval")
        checked_context(context)
        external = external_context or {}
        if runs_inline(code, context, external):
            data = {**external, **context} if external else context
            return _timer_friendly(evaluate_inline(code, self.globals, data))
        return _timer_friendly(runner().run("eval", expression, context, external, self.calendar))

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        """Run `script`; variables it leaves become task data, `del x` removes x."""
        code = compile_code(script, "exec")
        checked_context(context)
        external = external_context or {}
        if runs_inline(code, context, external):
            scope = {**self.globals, **external, **context}
            execute_inline(code, scope)
            results = plain_results(scope, set(self.globals) | set(external))
        else:
            results = runner().run("exec", script, context, external, self.calendar)
        context.clear()
        context.update(results)
        return True

    def call_service(
        self, context: dict[str, Any], operation_name: str, operation_params: dict[str, Any]
    ) -> str:
        """Run a registered operation; its result becomes task data (as JSON, per SpiffWorkflow)."""
        operation = REGISTRY.get(operation_name)
        if operation is None or self.service_context is None:
            raise LookupError(f"operation {operation_name!r} is not registered")
        call = self.service_context({k: v["value"] for k, v in operation_params.items()})
        return json.dumps(operation.run(call), default=str)


def cardinality_problem(value: Any) -> str | None:
    """Why a multi-instance count cannot be used (None when it can)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_CARDINALITY:
        return f"multi-instance cardinality {value} is above the limit of {MAX_CARDINALITY}"
    return None


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """A script engine whose service errors keep their message (3.2.0 makes them NameErrors)
    and whose timers' values and multi-instance counts are checked, so that a bad one is an
    error of its element before anything is scheduled or created."""

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        """Evaluate `expression` for `task`; a timer's value must be an ISO 8601 date-time,
        duration or cycle (SpiffWorkflow would fail on it later, with no task named), a cycle
        no more often than hourly, and a multi-instance count at most MAX_CARDINALITY."""
        value = super().evaluate(task, expression, external_context)
        spec = task.task_spec
        problem = getattr(spec, "cardinality", None) == expression and cardinality_problem(value)
        for definition in timer_definitions(spec):
            problem = problem or (
                definition.expression == expression and timer_value_problem(definition, value)
            )
        if problem:
            raise WorkflowTaskException(problem, task=task)
        return value

    def call_service(self, task: Any, **kwargs: Any) -> str:
        """Call the environment's service; errors become task errors naming the operation."""
        try:
            result: str = self.environment.call_service(task.data, **kwargs)
        except SQLAlchemyError:
            raise  # not the diagram's fault: `advance` lets it reach the edge
        except Exception as error:
            raise WorkflowTaskException(
                f"service task failed: {error}", task=task, exception=error
            ) from error
        return result
