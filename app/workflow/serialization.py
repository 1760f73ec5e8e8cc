"""Saving and loading specs and workflows; one serializer per operation (it is not thread-safe)."""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

SPIFF = "spiff"
CAMUNDA = "camunda"


def make_serializer(dialect: str) -> BpmnWorkflowSerializer:
    """A fresh serializer for one load or save; dates and decimals round-trip."""
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


def dump_spec(dialect: str, spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """A process version's spec and every spec it calls, as JSON."""
    serializer = make_serializer(dialect)
    return json.dumps(
        {
            "spec": serializer.to_dict(spec),
            "subprocess_specs": {k: serializer.to_dict(v) for k, v in subprocess_specs.items()},
        }
    )


def dump_workflow(dialect: str, workflow: BpmnWorkflow) -> str:
    """The instance's state without its spec (the definition row holds that)."""
    state = json.loads(make_serializer(dialect).serialize_json(workflow))
    del state["spec"], state["subprocess_specs"]
    return json.dumps(state)


def load_workflow(dialect: str, spec_json: str, state_json: str | None = None) -> BpmnWorkflow:
    """A workflow from its definition's spec and, for a saved instance, its state."""
    serializer = make_serializer(dialect)
    specs = json.loads(spec_json)
    if state_json is None:
        spec = serializer.from_dict(specs["spec"])
        subs = {k: serializer.from_dict(v) for k, v in specs["subprocess_specs"].items()}
        return BpmnWorkflow(spec, subs)
    merged = json.loads(state_json) | specs
    serializer.migrate(merged)
    workflow: BpmnWorkflow = serializer.from_dict(merged)
    return workflow
