"""Keeping a running instance's task tree to the part that can still affect the run.

SpiffWorkflow keeps every task it ever ran: each turn of a loop hangs a few more below the last,
so loading, searching and saving cost more with every turn. Compaction drops the finished tasks
nothing will read again and the trees of finished subprocesses; the instance's history lives in
the event table, not here. Kept are: the root, every unfinished task and its parent (the engine
reads a waiting task's parent: boundary events, multi-instance, joins, reset on retry), the last
completed task (its data is the instance's data), and each finished join task (with its parent)
that a pending join of the same gateway in the same pass still counts as an arrived input. A kept
task whose ancestors go is attached to its nearest kept ancestor; its data is whole in memory,
and the saved delta is taken against that new parent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

from flask_babel import gettext as _
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# Far above what a diagram needs (a multi-instance task of 1000 items holds about 2,000 tasks;
# nesting is a few levels per subprocess, boundary event or multi-instance): a tree this large or
# deep after compaction keeps unfinished work that piles up turn after turn. The depth limit also
# stays clear of SpiffWorkflow's recursive walks (Python stops them at 1,000 levels).
MAX_TREE_TASKS = 10_000
MAX_TREE_DEPTH = 400

_DONE = TaskState.COMPLETED | TaskState.CANCELLED


class TreeTooLarge(WorkflowTaskException):  # type: ignore[misc]
    """Unfinished tasks pile up: the diagram keeps leaving work behind in a loop."""


def tree_size(workflow: BpmnWorkflow) -> int:
    """Tasks held by the workflow and its subprocesses."""
    return len(workflow.tasks) + sum(len(sp.tasks) for sp in workflow.subprocesses.values())


def compact(workflow: BpmnWorkflow) -> None:
    """Drop the finished parts of the tree that can no longer affect the run."""
    for part in _workflows(workflow):
        if not part.completed:
            _compact_tree(part)
    _drop_finished_subprocesses(workflow)


def check_tree_size(workflow: BpmnWorkflow) -> None:
    """Refuse a tree that stays too large or deep after compaction, naming the element whose
    steps pile up."""
    size, depth = tree_size(workflow), max(_depth(part) for part in _workflows(workflow))
    if size <= MAX_TREE_TASKS and depth <= MAX_TREE_DEPTH:
        return
    open_tasks = [
        t
        for part in _workflows(workflow)
        for t in part.tasks.values()
        if not t.has_state(_DONE) and getattr(t.task_spec, "bpmn_id", None) is not None
    ]
    by_spec = Counter(t.task_spec for t in open_tasks)
    spec = by_spec.most_common(1)[0][0] if by_spec else workflow.task_tree.task_spec
    task = next((t for t in open_tasks if t.task_spec is spec), workflow.task_tree)
    name = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    raise TreeTooLarge(
        _(
            "The diagram leaves steps of “%(element)s” behind in a loop: the instance holds "
            "%(n)d steps, %(depth)d levels deep (at most %(max_n)d and %(max_depth)d)",
            element=name,
            n=size,
            depth=depth,
            max_n=MAX_TREE_TASKS,
            max_depth=MAX_TREE_DEPTH,
        ),
        task=task,
    )


def _depth(part: Any) -> int:
    """The number of levels of the workflow's tree."""
    deepest, level = 0, [part.task_tree]
    while level:
        deepest += 1
        level = [child for task in level for child in task.children]
    return deepest


def _workflows(workflow: BpmnWorkflow) -> Iterator[Any]:
    yield workflow
    yield from workflow.subprocesses.values()


def _compact_tree(part: Any) -> None:
    """Hang each kept task under its nearest kept ancestor and forget the others."""
    tasks: dict[UUID, Task] = part.tasks
    needed = _needed(part, tasks)
    root = part.task_tree
    kept = {root.id}
    queue = [root]
    while queue:
        anchor = queue.pop()
        children = list(_kept_descendants(anchor, tasks, needed))
        anchor._children = [child.id for child in children]
        for child in children:
            child._parent = anchor.id
            kept.add(child.id)
        queue.extend(children)
    if len(kept) < len(tasks):
        part.tasks = {task_id: task for task_id, task in tasks.items() if task_id in kept}


def _kept_descendants(anchor: Task, tasks: dict[UUID, Task], needed: set[UUID]) -> Iterator[Task]:
    """The nearest kept tasks below `anchor`, in the tree's order."""
    pending = list(reversed(anchor._children))
    while pending:
        task = tasks.get(pending.pop())
        if task is None:
            continue
        if task.id in needed:
            yield task
        else:
            pending.extend(reversed(task._children))


def _needed(part: Any, tasks: dict[UUID, Task]) -> set[UUID]:
    """The ids of the tasks the run may still read (see the module's docstring)."""
    needed = {part.task_tree.id}
    if part.last_task is not None:
        needed.add(part.last_task.id)
    open_joins: list[Task] = []
    for task in tasks.values():
        if not task.has_state(_DONE):
            needed.update(_with_parent(task))
            if isinstance(task.task_spec, UnstructuredJoin):
                open_joins.append(task)
    for join in open_joins:
        for arrived in _arrived_inputs(join, tasks.values()):
            needed.update(_with_parent(arrived))
    return needed


def _with_parent(task: Task) -> Iterable[UUID]:
    return (task.id,) if task._parent is None else (task.id, task._parent)


def _ancestors(task: Task, tasks: dict[UUID, Task]) -> Iterator[Task]:
    parent_id = task._parent
    while parent_id is not None and parent_id in tasks:
        parent = tasks[parent_id]
        yield parent
        parent_id = parent._parent


def _arrived_inputs(join: Task, candidates: Iterable[Task]) -> list[Task]:
    """Finished tasks of the same join that `join` still counts: not the passes of earlier turns
    (its ancestors, and the branches that fed them)."""
    tasks: dict[UUID, Task] = join.workflow.tasks
    ancestors = {a.id for a in _ancestors(join, tasks)}
    earlier_pass = next((a for a in _ancestors(join, tasks) if a.task_spec is join.task_spec), None)
    arrived = []
    for task in candidates:
        if task.task_spec is not join.task_spec or not task.has_state(_DONE):
            continue
        if task.id in ancestors:
            continue
        if earlier_pass is not None and not any(a is earlier_pass for a in _ancestors(task, tasks)):
            continue
        arrived.append(task)
    return arrived


def _drop_finished_subprocesses(workflow: BpmnWorkflow) -> None:
    """Subprocess trees whose task finished or is gone (nested ones go with their parent)."""
    while True:
        present = {
            task_id: task for part in _workflows(workflow) for task_id, task in part.tasks.items()
        }
        gone = [
            sp_id
            for sp_id in workflow.subprocesses
            if sp_id not in present or present[sp_id].has_state(_DONE)
        ]
        if not gone:
            return
        for sp_id in gone:
            del workflow.subprocesses[sp_id]
