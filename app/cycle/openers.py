"""What opening each phase does: start the per-unit procedures through their own start services,
as the annual cycle (a system actor holding the office's role), and record the opening."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.appeals.delivery import deliver_results
from app.auth.actor import Actor, RoleScope
from app.auth.roles import Role
from app.calendar.services import working_calendar
from app.calendar.workdays import local_date
from app.cycle.phases import Phase
from app.cycle.readiness import open_instances
from app.cycle.reporting import start_month_just_ended
from app.cycle.services import mark_opened
from app.evaluations.operations import DEFAULT_WORKDAYS
from app.evaluations.survey.models import Survey
from app.evaluations.survey.services import SurveyInput, create_survey, survey_for_year
from app.indicators.cycle import SETTING, start_setting_for_all
from app.indicators.models import Indicator
from app.org.services import memberships
from app.results.services import order_rectification, year_results
from app.scoring.gather import compute_year
from app.verification.cycle import start_all
from app.verification.queries import units_with_approved
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessInstance

CYCLE_ACTOR = Actor(None, "annual_cycle", frozenset({RoleScope(Role.OFFICE_STAFF)}))


def _units_without_indicators(session: Session, year: int) -> list[str]:
    with_indicators = set(
        session.execute(select(Indicator.unit_id).where(Indicator.year == year)).scalars()
    )
    started = set(
        session.execute(
            select(ProcessInstance.unit_id).where(
                ProcessInstance.process_key == SETTING, ProcessInstance.year == year
            )
        ).scalars()
    )
    return [
        m.unit.code
        for m in memberships(session, year)
        if m.unit_id not in with_indicators and m.unit_id not in started
    ]


def open_indicator_setting(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Every unit drafts its indicators: those with key-task drafts, then those with none."""
    started = len(start_setting_for_all(session, actor=CYCLE_ACTOR, year=year, now=now))
    for code in _units_without_indicators(session, year):
        start_instance(
            session, actor=CYCLE_ACTOR, key=SETTING, unit_code=code, data={"year": year}, now=now
        )
        started += 1
    return {"started": started}


def open_reporting(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Monthly reporting of the year: the reports on the month just ended start now; from then
    the progress diagram's timer starts each month's (one instance per unit and month)."""
    return {
        "reporting_units": len(units_with_approved(session, year)),
        "started": start_month_just_ended(session, CYCLE_ACTOR, year, now),
    }


def open_survey(session: Session, year: int, now: datetime) -> tuple[Survey, bool]:
    """The year's public survey (SPEC §6) with its six evaluator groups, open from today until
    the year-end tasks are due (DEFAULT_WORKDAYS working days). A survey the office created
    already is kept as it is. Returns the survey and whether it was created now."""
    existing = survey_for_year(session, year)
    if existing is not None:
        return existing, False
    closes = working_calendar(session).workday_deadline(now, DEFAULT_WORKDAYS)
    data = SurveyInput(
        year=year,
        title=f"{year}年度省直机关绩效管理社会评价问卷",
        opens_on=local_date(now),
        closes_on=local_date(closes),
    )
    return create_survey(session, actor=CYCLE_ACTOR, data=data, now=now), True


def open_evaluations(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """The year-end evaluation tasks (leaders, leading group, departments, the survey's close)
    and the year's public survey, each once a year."""
    survey, created = open_survey(session, year, now)
    outcome: dict[str, Any] = {"survey_id": survey.id, "survey_created": created}
    exists = session.execute(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == "evaluations", ProcessInstance.year == year
        )
    ).first()
    if exists:
        return {**outcome, "started": 0}
    start_instance(session, actor=CYCLE_ACTOR, key="evaluations", data={"year": year}, now=now)
    return {**outcome, "started": 1}


def open_verification(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Year-end self-evaluation and verification for every unit with approved indicators."""
    return {"started": len(start_all(session, actor=CYCLE_ACTOR, year=year, now=now))}


def compute_scores(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """The year's scores from its recorded inputs, as a new version."""
    run = compute_year(session, CYCLE_ACTOR, year, "年度考核周期：计分阶段", now=now)
    return {"version": run.version}


def open_delivery(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Deliver the latest scores to every unit: one appeal procedure each."""
    return {"started": len(deliver_results(session, CYCLE_ACTOR, year, now).started)}


def open_signoff(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """The grades go to the office's proposal and the three bodies (once a year)."""
    if open_instances(session, year, "signoff"):
        return {"started": 0}
    start_instance(session, actor=CYCLE_ACTOR, key="signoff", data={"year": year}, now=now)
    return {"started": 1}


def open_results(session: Session, year: int, now: datetime) -> dict[str, Any]:
    """Order the rectifications the final grades call for (不合格, three years 合格)."""
    ordered = [
        order_rectification(session, CYCLE_ACTOR, year=year, unit_code=r.code, now=now)
        for r in year_results(session, CYCLE_ACTOR, year)
        if r.rectification_kind is not None and r.order is None
    ]
    return {"rectifications": len(ordered)}


OPENERS: dict[Phase, Callable[[Session, int, datetime], dict[str, Any]]] = {
    Phase.INDICATOR_SETTING: open_indicator_setting,
    Phase.REPORTING: open_reporting,
    Phase.EVALUATIONS: open_evaluations,
    Phase.VERIFICATION: open_verification,
    Phase.SCORING: compute_scores,
    Phase.DELIVERY: open_delivery,
    Phase.SIGNOFF: open_signoff,
    Phase.RESULTS: open_results,
}


def open_phase(session: Session, year: int, phase: Phase, now: datetime) -> dict[str, Any]:
    """Run the phase's opening and record it (audited)."""
    outcome = OPENERS[phase](session, year, now)
    mark_opened(session, CYCLE_ACTOR, year, phase, now=now)
    return outcome
