"""Process-wide adjustments to SpiffWorkflow 3.2.0, applied once at import.

- Naive date-times in timer expressions mean China Standard Time, not the server's zone.
- Task searches stop at depth 1000 by default, which silently stalls a gateway loop after a few
  hundred turns (SpiffWorkflow #441). Both iterators carry that default (`BpmnTaskIterator`,
  which every BPMN search uses, passes its own 1000 down to `TaskIterator`): both search as deep
  as the tree is.
- Running the engine compacts the task tree as it grows (`instances.compaction`), so a loop's
  finished turns do not make every later step slower; a tree still too large after compaction
  fails the run, naming the element whose steps pile up.
- A multi-instance activity over a collection (its input data) refuses one of more than
  MAX_CARDINALITY items before creating any instance, as an evaluated count is refused by the
  script engine: 20,000 items would otherwise make 20,000 tasks in one request.
- A service task's optional parameter (so declared in the operation registry) whose value is a
  bare variable name the task data lacks is passed as None instead of failing the instance:
  `<parameter id="period" value="period"/>` works whether or not the starter gave a period.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions import timer
from SpiffWorkflow.bpmn.specs.mixins import multiinstance_task
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.util.task import TaskIterator

from app.workflow.instances.compaction import check_tree_size, compact, tree_size
from app.workflow.registry import REGISTRY
from app.workflow.scripting.sandbox import MAX_CARDINALITY

DEEP_SEARCH = 10**7

timer.LOCALTZ = ZoneInfo("Asia/Shanghai")


def _search_deep(iterator: type) -> None:
    # __init__(self, task, end_at_spec=None, max_depth=1000, depth_first=True, ...)
    defaults: tuple[object, ...] = iterator.__init__.__defaults__ or ()  # type: ignore[misc]
    if defaults[1:2] != (1000,):
        raise RuntimeError(f"{iterator.__name__}: max_depth is no longer the second default")
    iterator.__init__.__defaults__ = (defaults[0], DEEP_SEARCH, *defaults[2:])  # type: ignore[misc]


_search_deep(TaskIterator)
_search_deep(BpmnTaskIterator)

# Compacting every pass would walk the tree once per step; compacting each time this many tasks
# have been added keeps the cost per step constant, and keeps the tree between compactions clear
# of the depth at which SpiffWorkflow's recursive walks fail.
_COMPACT_EVERY = 200


def _do_engine_steps(
    self: BpmnWorkflow, will_complete_task: Any = None, did_complete_task: Any = None
) -> None:
    compact_at = tree_size(self) + _COMPACT_EVERY
    while self._do_engine_steps(will_complete_task, did_complete_task):
        if tree_size(self) >= compact_at:
            compact(self)
            check_tree_size(self)
            compact_at = tree_size(self) + _COMPACT_EVERY
    self.refresh_timers()
    compact(self)
    check_tree_size(self)


BpmnWorkflow.do_engine_steps = _do_engine_steps


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


def _check_instance_count(task_spec: Any, my_task: Any) -> None:
    items = task_spec.data_input.get(my_task) if task_spec.data_input is not None else None
    if isinstance(items, Sized) and len(items) > MAX_CARDINALITY:
        raise WorkflowTaskException(
            f"multi-instance input {task_spec.data_input.bpmn_id} has {len(items)} items, "
            f"above the limit of {MAX_CARDINALITY}",
            task=my_task,
        )


def _limit_instances(method: Any) -> Any:
    # Wraps the first step that reads the collection, once the task has inherited its data.
    def limited(self: Any, my_task: Any) -> Any:
        _check_instance_count(self, my_task)
        return method(self, my_task)

    return limited


_parallel = multiinstance_task.ParallelMultiInstanceTask
_parallel.create_children = _limit_instances(_parallel.create_children)
_sequential = multiinstance_task.SequentialMultiInstanceTask
_sequential.init_remaining_items = _limit_instances(_sequential.init_remaining_items)
