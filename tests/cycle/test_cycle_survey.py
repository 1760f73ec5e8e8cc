"""Opening the evaluations phase creates the year's public survey with its six evaluator groups,
open until the year-end tasks are due; once only, and a survey the office made first is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.services import actor_for
from app.cycle import services
from app.cycle.models import CyclePhase
from app.cycle.openers import open_evaluations
from app.cycle.phases import Phase
from app.evaluations.survey.models import EvaluatorGroup, Survey
from app.evaluations.survey.services import SurveyInput, create_survey
from app.extensions import db
from app.org.models import Unit
from app.workflow.models import ProcessInstance
from app.workflow.timers.scheduler import run_tick

OPENED = datetime(2027, 1, 5, 1, 0, tzinfo=UTC)  # 09:00 China time, Tuesday 5 January 2027


def _surveys() -> list[Survey]:
    return list(db.session.execute(select(Survey).where(Survey.year == 2026)).scalars())


def test_opening_the_evaluations_creates_the_survey_once(province: dict[str, Unit]) -> None:
    outcome = open_evaluations(db.session, 2026, OPENED)
    db.session.commit()
    [survey] = _surveys()
    assert outcome["survey_created"] is True and outcome["survey_id"] == survey.id
    assert outcome["started"] == 1
    assert {group.kind for group in survey.groups} == set(EvaluatorGroup)
    assert survey.opens_on == date(2027, 1, 5)
    # until the year-end tasks are due: the tenth working day after 5 January 2027
    assert survey.closes_on == date(2027, 1, 19)
    assert survey.created_by_id is None
    created = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "survey.create")
    ).scalar_one()
    assert created.actor_name == "annual_cycle"

    again = open_evaluations(db.session, 2026, OPENED)
    db.session.commit()
    assert again == {"survey_id": survey.id, "survey_created": False, "started": 0}
    assert len(_surveys()) == 1


def test_a_survey_the_office_created_first_is_kept(province: dict[str, Unit]) -> None:
    office = actor_for(
        db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    )
    theirs = create_survey(
        db.session,
        actor=office,
        data=SurveyInput(2026, "办公室自建问卷", date(2026, 12, 20), date(2027, 1, 31)),
        now=datetime(2026, 12, 18, 2, 0, tzinfo=UTC),
    )
    db.session.commit()
    outcome = open_evaluations(db.session, 2026, OPENED)
    db.session.commit()
    assert outcome["survey_created"] is False and outcome["survey_id"] == theirs.id
    [survey] = _surveys()
    assert (survey.title, survey.opens_on, survey.closes_on) == (
        "办公室自建问卷",
        date(2026, 12, 20),
        date(2027, 1, 31),
    )


def test_the_diagram_opening_the_phase_creates_the_survey(province: dict[str, Unit]) -> None:
    office = actor_for(
        db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    )
    start = datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        services.start_cycle(db.session, office, 2026, now=start)
        services.open_early(db.session, office, 2026, "reporting", now=start)
        services.open_early(db.session, office, 2026, "evaluations", now=start)
        db.session.commit()
    assert _surveys() == []
    for moment in (
        datetime(2026, 1, 10, 1, 5, tzinfo=UTC),
        datetime(2026, 1, 11, 0, 5, tzinfo=UTC),
        datetime(2026, 1, 12, 0, 5, tzinfo=UTC),
    ):
        with time_machine.travel(moment, tick=False):
            run_tick(db.session, now=moment, worker="test")
            db.session.commit()
    phase = db.session.execute(
        select(CyclePhase).where(CyclePhase.year == 2026, CyclePhase.phase == Phase.EVALUATIONS)
    ).scalar_one()
    assert phase.opened_at is not None
    assert len(_surveys()) == 1
    assert (
        db.session.execute(
            select(func.count(ProcessInstance.id)).where(
                ProcessInstance.process_key == "evaluations"
            )
        ).scalar_one()
        == 1
    )
