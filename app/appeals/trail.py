"""The traceable chain of a unit's results: deliveries, appeals, decisions, score versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.appeals.models import Appeal, ResultDelivery
from app.calendar.workdays import SHANGHAI
from app.org.services import unit_by_code


def _local(moment: Any) -> str | None:
    return None if moment is None else moment.astimezone(SHANGHAI).isoformat()


def _appeal(appeal: Appeal) -> dict[str, Any]:
    decision = appeal.decision
    return {
        "id": appeal.id,
        "status": appeal.status.value,
        "text": appeal.text,
        "document_id": appeal.document_id,
        "filed_by": appeal.filed_by_name,
        "filed_at": _local(appeal.filed_at),
        "appeal_due_at": _local(appeal.appeal_due_at),
        "received_at": _local(appeal.received_at),
        "reply_due_at": _local(appeal.reply_due_at),
        "refusal": appeal.refusal,
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome.value,
            "reply": decision.reply,
            "decided_by": decision.decided_by_name,
            "decided_at": _local(decision.decided_at),
            "changes": list(decision.changes),
            "version_before": decision.version_before,
            "version_after": decision.version_after,
        },
    }


def appeal_trail(session: Session, year: int, unit_code: str) -> dict[str, Any]:
    """Every delivery of the unit's results in `year`, oldest first, with each appeal, who
    decided it, each changed input (old → new) and the score versions before and after."""
    unit = unit_by_code(session, unit_code)
    deliveries = session.execute(
        select(ResultDelivery)
        .where(ResultDelivery.year == year, ResultDelivery.unit_id == unit.id)
        .order_by(ResultDelivery.id)
        .options(selectinload(ResultDelivery.appeals).selectinload(Appeal.decision))
    ).scalars()
    return {
        "year": year,
        "unit": {"code": unit.code, "name": unit.name_zh},
        "deliveries": [
            {
                "score_version": delivery.score_version,
                "delivered_at": _local(delivery.delivered_at),
                "delivered_by": delivery.delivered_by_name,
                "state": delivery.state.value,
                "instance_id": delivery.instance_id,
                "appeals": [_appeal(appeal) for appeal in delivery.appeals],
            }
            for delivery in deliveries
        ],
    }
