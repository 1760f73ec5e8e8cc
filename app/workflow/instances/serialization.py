"""Saving and loading specs and workflows.

SpiffWorkflow's serializer is not thread-safe (it flips a flag on its registry while encoding), so
each thread keeps its own. The instance row stores the workflow without its spec: the definition
row holds the spec once per version, and each thread keeps the restored spec objects of the
versions it has loaded (versions never change). Camunda specs are restored on every load, because
SpiffWorkflow's Camunda multi-instance task edits its spec while it runs.
"""

from __future__ import annotations

import datetime
import decimal
import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.workflow.instances.compaction import compact

SPIFF = "spiff"
CAMUNDA = "camunda"
_SPEC_CACHE_SIZE = 64
_local = threading.local()


def make_serializer(dialect: str) -> BpmnWorkflowSerializer:
    """A new serializer; dates and decimals round-trip."""
    registry = BpmnWorkflowSerializer.configure(
        CAMUNDA_CONFIG if dialect == CAMUNDA else SPIFF_CONFIG
    )
    registry.register(
        datetime.date,
        lambda v: {"value": v.isoformat()},
        lambda d: datetime.date.fromisoformat(d["value"]),
    )
    registry.register(
        decimal.Decimal, lambda v: {"value": str(v)}, lambda d: decimal.Decimal(d["value"])
    )
    return BpmnWorkflowSerializer(registry)


def _serializer(dialect: str) -> BpmnWorkflowSerializer:
    serializers: dict[str, BpmnWorkflowSerializer] = _local.__dict__.setdefault("serializers", {})
    if dialect not in serializers:
        serializers[dialect] = make_serializer(dialect)
    return serializers[dialect]


def dump_spec(dialect: str, spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """A process version's spec and every spec it calls, as JSON."""
    serializer = make_serializer(dialect)
    return json.dumps(
        {
            "spec": serializer.to_dict(spec),
            "subprocess_specs": {k: serializer.to_dict(v) for k, v in subprocess_specs.items()},
        }
    )


def forget_specs() -> None:
    """Drop this thread's restored specs."""
    _local.__dict__.pop("specs", None)


def _restored_specs(dialect: str, cache_key: Any, spec_json: str) -> tuple[Any, dict[str, Any]]:
    cache: dict[Any, tuple[Any, dict[str, Any]]] = _local.__dict__.setdefault("specs", {})
    if dialect == SPIFF and cache_key is not None and cache_key in cache:
        return cache[cache_key]
    serializer = _serializer(dialect)
    raw = json.loads(spec_json)
    specs = (
        serializer.from_dict(raw["spec"]),
        {k: serializer.from_dict(v) for k, v in raw["subprocess_specs"].items()},
    )
    if dialect == SPIFF and cache_key is not None:
        if len(cache) >= _SPEC_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[cache_key] = specs
    return specs


def _workflow_converter(serializer: BpmnWorkflowSerializer) -> BpmnWorkflowConverter:
    # The registry keeps `partial(_obj_to_dict, typename, converter.to_dict)` per typename.
    converter = serializer.registry.convert_to_dict["BpmnWorkflow"].args[1].__self__
    if not isinstance(converter, BpmnWorkflowConverter):
        raise LookupError("the serializer has no workflow converter")
    return converter


def dump_workflow(dialect: str, workflow: BpmnWorkflow) -> str:
    """The instance's state without its spec (the definition row holds that), compacted: the
    finished tasks that can no longer affect the run are not saved."""
    compact(workflow)
    serializer = _serializer(dialect)
    converter = _workflow_converter(serializer)
    registry = serializer.registry
    registry._encoder_mode = True
    try:
        state = super(BpmnWorkflowConverter, converter).to_dict(workflow)
        state["subprocesses"] = converter.mapping_to_dict(workflow.subprocesses)
        state["bpmn_events"] = registry.convert(workflow.bpmn_events)
        state[serializer.VERSION_KEY] = serializer.VERSION
        return json.dumps(state, cls=serializer._encoder_cls)
    finally:
        registry._encoder_mode = False


def load_workflow(
    dialect: str, spec_json: str, state_json: str | None = None, cache_key: Any = None
) -> BpmnWorkflow:
    """A workflow from its definition's spec and, for a saved instance, its state."""
    spec, subprocess_specs = _restored_specs(dialect, cache_key, spec_json)
    if state_json is None:
        return BpmnWorkflow(spec, subprocess_specs)
    serializer = _serializer(dialect)
    state = json.loads(state_json)
    serializer.migrate(state)
    converter = _workflow_converter(serializer)
    workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
    workflow.tasks = converter.mapping_from_dict(state["tasks"], _uuid, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(_uuid(state["root"]))
    converter.set_default_attributes(workflow, state)
    converter.subprocesses_from_dict(state["subprocesses"], workflow)
    workflow.bpmn_events = serializer.registry.restore(state.pop("bpmn_events", []))
    return workflow


def _uuid(value: str) -> UUID:
    return UUID(value)
