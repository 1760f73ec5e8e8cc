"""One engine step's working set: the loaded workflow with its engine, the events of the step
and the writes `advance` sends at its end. Its own module so that the steps (`runtime`) and the
inbox rows they keep in step (`inbox_sync`) both use it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task

from app.auth.actor import Actor
from app.db_batch import WriteBatch
from app.workflow.definitions.definition_cache import DefinitionInfo
from app.workflow.models import ProcessInstance
from app.workflow.scripting.environment import SandboxScriptEngine


@dataclass
class EngineRun:
    """A loaded workflow with the engine attached, the events of this run, and the writes that
    `advance` sends at the end of the step."""

    definition: DefinitionInfo
    instance: ProcessInstance
    workflow: BpmnWorkflow
    engine: SandboxScriptEngine
    events: list[dict[str, Any]] = field(default_factory=list)
    open_tasks: list[Any] = field(default_factory=list)
    writes: WriteBatch = field(default_factory=WriteBatch)
    # The instance's open task rows as read (and locked) before the step, or None to query them.
    tasks_read: list[Any] | None = None
    # The name of the deadline (a timer on a task's boundary) that fired in this run, if one did.
    deadline_fired: str | None = None

    def event(
        self,
        kind: str,
        task: Task | None = None,
        *,
        now: datetime,
        actor: Actor | None = None,
        detail: dict[str, Any] | None = None,
        task_id: str | None = None,
        element_id: str | None = None,
        element_name: str | None = None,
    ) -> None:
        """Queue an engine event; `advance` writes the queue in one statement."""
        spec = task.task_spec if task is not None else None
        self.events.append(
            {
                "instance_id": self.instance.id,
                "occurred_at": now,
                "kind": kind,
                "task_id": str(task.id) if task is not None else task_id,
                "element_id": getattr(spec, "bpmn_id", None) or element_id,
                "element_name": getattr(spec, "bpmn_name", None) or element_name,
                "actor_id": actor.user_id if actor else None,
                "detail": detail,
            }
        )
