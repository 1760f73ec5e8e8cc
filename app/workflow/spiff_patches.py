"""Three process-wide adjustments to SpiffWorkflow 3.2.0, applied once at import.

- Naive date-times in timer expressions mean China Standard Time, not the server's zone.
- Task searches stop at depth 1000 by default, which silently stalls a gateway loop after a few
  hundred turns (SpiffWorkflow #441); every search here goes as deep as the tree is.
- A service task's optional parameter (so declared in the operation registry) whose value is a
  bare variable name the task data lacks is passed as None instead of failing the instance:
  `<parameter id="period" value="period"/>` works whether or not the starter gave a period.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer
from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.util.task import TaskIterator

from app.workflow.registry import REGISTRY

DEEP_SEARCH = 10**7

timer.LOCALTZ = ZoneInfo("Asia/Shanghai")

# __init__(self, task, end_at_spec=None, max_depth=1000, depth_first=True, task_filter=None)
_defaults: tuple[object, ...] = TaskIterator.__init__.__defaults__ or ()
if _defaults[1:2] == (1000,):
    TaskIterator.__init__.__defaults__ = (_defaults[0], DEEP_SEARCH, *_defaults[2:])


def _evaluate_params(self: Any, task: Any) -> dict[str, dict[str, Any]]:
    operation = REGISTRY.get(self.operation_name)
    optional = (
        {n for n, required in operation.params.items() if not required} if operation else set()
    )
    evaluated = {}
    for name, param in self.operation_params.items():
        expression = str(param["value"]).strip()
        unset = name in optional and expression.isidentifier() and expression not in task.data
        value = None if unset else task.workflow.script_engine.evaluate(task, expression)
        evaluated[name] = {"value": value, "type": param["type"]}
    return evaluated


ServiceTask.evaluate_params = _evaluate_params
