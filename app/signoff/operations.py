"""Service operations of the `signoff` diagram (`signoff.*`)."""

from __future__ import annotations

from typing import Any

from app.db import utcnow
from app.extensions import db_session
from app.signoff import services
from app.workflow.registry import REGISTRY, Operation, ServiceCall


def _proposal(call: ServiceCall) -> dict[str, Any]:
    return services.grade_proposal(db_session(), call.year())


def _finalize(call: ServiceCall) -> dict[str, Any]:
    notice = services.finalize_grades(
        db_session(),
        call.actor,
        year=call.year(),
        version=call.params.get("version"),
        chain=call.params.get("chain"),
        instance_id=call.instance_id,
        now=utcnow(),
    )
    return {"year": notice.year, "title": notice.title, "units": len(notice.grades)}


for operation in (
    Operation(
        "signoff.proposal",
        "The latest score version's proposed grades, per category, with their flags explained.",
        {"year": True},
        _proposal,
    ),
    Operation(
        "signoff.finalize",
        "Make the grades of the approved score version final and publish the notice.",
        {"year": True, "version": True, "chain": True},
        _finalize,
    ),
):
    REGISTRY.register(operation)
