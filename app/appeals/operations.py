"""Service operations of the `appeal` procedure (`appeals.*`): each calls one appeals service
for the instance's unit with the acting user."""

from __future__ import annotations

from typing import Any

from app.appeals import services
from app.appeals.delivery import parse_delivered_at, record_delivery
from app.db import utcnow
from app.extensions import db_session
from app.org.services import unit_or_none
from app.workflow.registry import REGISTRY, Operation, ServiceCall


def _text(call: ServiceCall, name: str) -> str:
    value = call.params.get(name)
    return value if isinstance(value, str) else ""


def _open(call: ServiceCall) -> dict[str, Any]:
    session = db_session()
    delivered_at = parse_delivered_at(call.params.get("delivered_at"), utcnow())
    delivery, score = record_delivery(
        session,
        call.actor,
        unit_id=call.unit(),
        year=call.year(),
        delivered_at=delivered_at,
        instance_id=call.instance_id,
    )
    unit = unit_or_none(session, delivery.unit_id)
    return {
        "delivered_at": delivered_at.isoformat(),
        "unit_name": unit.name_zh if unit else "",
        "score": [score],
    }


def _accept(call: ServiceCall) -> bool:
    services.accept_result(db_session(), call.actor, call.instance_id, utcnow())
    return True


def _close_window(call: ServiceCall) -> bool:
    services.close_window(db_session(), call.actor, call.instance_id, utcnow())
    return True


def _refuse_if_late(call: ServiceCall) -> str:
    return services.refuse_if_late(
        db_session(),
        call.actor,
        call.instance_id,
        text=_text(call, "appeal_text"),
        document_id=_text(call, "appeal_document") or None,
        now=utcnow(),
    )


def _receive(call: ServiceCall) -> dict[str, Any]:
    return services.receive_appeal(
        db_session(),
        call.actor,
        call.instance_id,
        text=_text(call, "appeal_text"),
        document_id=_text(call, "appeal_document") or None,
        now=utcnow(),
    )


def _check_decision(call: ServiceCall) -> list[str]:
    return services.decision_problems(
        db_session(),
        call.instance_id,
        outcome=_text(call, "office_decision"),
        corrections=call.params.get("corrections"),
    )


def _decide(call: ServiceCall) -> dict[str, Any]:
    session = db_session()
    decision = services.decide_appeal(
        session,
        call.actor,
        call.instance_id,
        outcome=_text(call, "office_decision"),
        reply=_text(call, "reply"),
        corrections=call.params.get("corrections"),
        now=utcnow(),
    )
    return services.decision_for_unit(session, decision)


APPEAL_PARAMS = {"appeal_text": True, "appeal_document": False}
DECISION_PARAMS = {"office_decision": True, "corrections": False}

for operation in (
    Operation(
        "appeals.open",
        "Record the delivery of the year's latest scores to the unit; returns the delivery time "
        "(ISO), the unit's name and its score.",
        {"year": True, "delivered_at": False},
        _open,
    ),
    Operation("appeals.accept", "The unit accepts its delivered result.", {}, _accept),
    Operation(
        "appeals.close_window",
        "The appeal window closed unanswered; the delivered result stands.",
        {},
        _close_window,
    ),
    Operation(
        "appeals.refuse_if_late",
        "'' while the appeal window is open; after it, records the appeal as refused and returns "
        "the refusal naming the deadline.",
        APPEAL_PARAMS,
        _refuse_if_late,
    ),
    Operation(
        "appeals.receive",
        "The signed appeal reaches the office; returns the reply deadline and the unit's inputs.",
        APPEAL_PARAMS,
        _receive,
    ),
    Operation(
        "appeals.check_decision",
        "Problems that stop the office's decision (empty when none).",
        DECISION_PARAMS,
        _check_decision,
    ),
    Operation(
        "appeals.decide",
        "Record the decision; an upheld appeal's corrections are written to the records and the "
        "year is scored again from them as a new version.",
        {**DECISION_PARAMS, "reply": True},
        _decide,
    ),
):
    REGISTRY.register(operation)
