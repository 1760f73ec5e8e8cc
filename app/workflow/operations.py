"""The service operations diagrams may call. Each calls a domain service with the acting user.

Add an operation here (with its parameters) to make it available to service tasks; anything not
registered is refused when a diagram is deployed.
"""

from __future__ import annotations

from typing import Any

from app.audit.services import record
from app.errors import InvalidInput
from app.org.services import current_year, unit_profile
from app.workflow.registry import REGISTRY, Operation, ServiceCall


def _unit_profile(call: ServiceCall) -> dict[str, Any]:
    code = call.params.get("unit_code")
    if not isinstance(code, str):
        raise InvalidInput("unit_code must be a unit code")
    year = call.params.get("year")
    session = call.session
    return unit_profile(session, code, year if isinstance(year, int) else current_year(session))


def _audit_note(call: ServiceCall) -> dict[str, Any]:
    message = str(call.params.get("message", ""))[:500]
    record(
        call.session,
        actor=call.actor,
        action="process.note",
        object_type="process_instance",
        object_id=call.instance_id,
        after={"message": message},
        now=call.now,
    )
    return {"recorded": True}


REGISTRY.register(
    Operation(
        "org.unit_profile",
        "A unit's name, category, leader in charge and headcount in a year.",
        {"unit_code": True, "year": False},
        _unit_profile,
    )
)
REGISTRY.register(
    Operation(
        "audit.note",
        "Write a note about the instance to the audit trail.",
        {"message": True},
        _audit_note,
    )
)
