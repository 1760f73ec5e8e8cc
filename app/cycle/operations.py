"""Service operations of the `annual_cycle` diagram (`cycle.*`): the gate before each phase and
the opening of each phase; and the start set of the monthly reports the cycle has opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from app.cycle.openers import open_phase
from app.cycle.phases import Phase
from app.cycle.reporting import monthly_starts
from app.cycle.services import gate
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db_session
from app.workflow.registry import REGISTRY, Operation, ServiceCall


def _gate(call: ServiceCall) -> dict[str, Any]:
    answer = gate(db_session(), call.year(), str(call.params.get("phase")), now=utcnow())
    return {"open": answer.open, "check_at": answer.check_at.isoformat(), "reason": answer.reason}


def _monthly_starts(call: ServiceCall) -> list[dict[str, Any]]:
    raw = call.params.get("due_at")
    try:
        due_at = datetime.fromisoformat(str(raw)) if raw else call.now
    except ValueError:
        raise InvalidInput(_("%(v)s is not an ISO 8601 date-time.", v=raw)) from None
    return monthly_starts(call.session, due_at=due_at)


def _opener(phase: Phase) -> Any:
    def run(call: ServiceCall) -> dict[str, Any]:
        return open_phase(db_session(), call.year(), phase, utcnow())

    return run


OPERATION_OF_PHASE = {
    Phase.INDICATOR_SETTING: (
        "cycle.open_indicator_setting",
        "Start indicator setting for every unit.",
    ),
    Phase.REPORTING: (
        "cycle.open_reporting",
        "Open the year's monthly progress reporting; start the month just ended.",
    ),
    Phase.EVALUATIONS: ("cycle.open_evaluations", "Start the year-end evaluations."),
    Phase.VERIFICATION: ("cycle.open_verification", "Start year-end verification for every unit."),
    Phase.SCORING: ("cycle.compute_scores", "Compute the year's scores from the recorded inputs."),
    Phase.DELIVERY: ("cycle.deliver_results", "Deliver the scores: one appeal procedure per unit."),
    Phase.SIGNOFF: ("cycle.open_signoff", "Start the sign-off of the grades."),
    Phase.RESULTS: ("cycle.open_results", "Order the rectifications the final grades call for."),
}

REGISTRY.register(
    Operation(
        "cycle.gate",
        "Whether the year's `phase` opens now (its date reached, not held, the earlier work "
        "done, or opened early by the office); otherwise `check_at`, when to ask again.",
        {"year": True, "phase": True},
        _gate,
    )
)
REGISTRY.register(
    Operation(
        "cycle.reporting_units",
        "The units that report for the month before `due_at`, if the annual cycle has opened "
        "that month's year's reporting (a start set for `startFor`).",
        {"due_at": False},
        _monthly_starts,
    )
)
for phase, (name, description) in OPERATION_OF_PHASE.items():
    REGISTRY.register(Operation(name, description, {"year": True}, _opener(phase)))
