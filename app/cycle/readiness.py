"""What a phase still waits for once its date has come: the earlier phases' work."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.appeals.models import DeliveryState, ResultDelivery
from app.cycle.phases import Phase
from app.scoring.models import ScoreRun
from app.signoff.services import published_notice
from app.workflow.models import InstanceStatus, ProcessInstance

ACTIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)
OPEN_DELIVERY = (DeliveryState.AWAITING, DeliveryState.UNDER_REVIEW)


def open_instances(session: Session, year: int, key: str) -> int:
    """How many instances of `key` for the year are not finished."""
    return session.execute(
        select(func.count(ProcessInstance.id)).where(
            ProcessInstance.process_key == key,
            ProcessInstance.year == year,
            ProcessInstance.status.in_(ACTIVE),
        )
    ).scalar_one()


def _scoring(session: Session, year: int) -> list[str]:
    waiting = []
    verifying = open_instances(session, year, "year_end_verification")
    if verifying:
        waiting.append(_("%(n)d verifications are not finished", n=verifying))
    if open_instances(session, year, "evaluations"):
        waiting.append(_("the year-end evaluations are not finished"))
    return waiting


def _delivery(session: Session, year: int) -> list[str]:
    scored = session.execute(select(ScoreRun.id).where(ScoreRun.year == year).limit(1)).first()
    return [] if scored else [_("no scores have been computed")]


def _signoff(session: Session, year: int) -> list[str]:
    pending = session.execute(
        select(func.count(ResultDelivery.id)).where(
            ResultDelivery.year == year, ResultDelivery.state.in_(OPEN_DELIVERY)
        )
    ).scalar_one()
    return [_("%(n)d units may still appeal or await a reply", n=pending)] if pending else []


def _results(session: Session, year: int) -> list[str]:
    return [] if published_notice(session, year) else [_("the notice is not published")]


CHECKS = {
    Phase.SCORING: _scoring,
    Phase.DELIVERY: _delivery,
    Phase.SIGNOFF: _signoff,
    Phase.RESULTS: _results,
}


def waiting_for(session: Session, year: int, phase: Phase) -> list[str]:
    """Why the phase cannot open yet although its date has come (empty when it can)."""
    check = CHECKS.get(phase)
    return check(session, year) if check else []
