"""The demo's past years (2025, whose results are out for appeal, and 2024, whose grades are
final): every input of the score recorded in bulk through the domain models (not the
procedures), then the scores computed from them and stored. The writers below also seed small
years in tests."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.evaluations.models import (
    DepartmentItem,
    DepartmentScore,
    RatingMark,
    RatingSheet,
    SheetKind,
    SheetStatus,
)
from app.evaluations.ratings.models import DailyRating, Level
from app.evaluations.survey.models import (
    EvaluatorGroup,
    Survey,
    SurveyAnswer,
    SurveyGroup,
    SurveyResponse,
)
from app.indicators.models import Indicator, IndicatorKind, IndicatorStatus, IndicatorVersion
from app.org.models import AssessmentYear, UnitMembership, YearStatus
from app.progress.models import ProcessRule, Proposal, ProposalStatus
from app.progress.proposals import DEFAULT_RULES
from app.scoring.gather import gather_inputs
from app.scoring.inputs import parse_inputs
from app.scoring.models import ScoreRun
from app.scoring.services import store_scores
from app.verification.models import Verification, VerificationEntry, VerificationStatus

FINISHED_YEAR = 2025  # scored; the demo delivers its results, out for appeal
FINAL_YEAR = 2024  # scored, and the demo makes its grades final with the notice published
DEMO = Actor.system("demo")


def add_indicator(
    session: Session,
    *,
    year: int,
    unit_id: int,
    weight: Decimal,
    completion: Decimal | None,
    now: datetime,
    cancelled: bool = False,
) -> Indicator:
    """An approved (or cancelled) published indicator; with `completion`, a done verification."""
    indicator = Indicator(
        year=year,
        unit_id=unit_id,
        kind=IndicatorKind.DUTY,
        status=IndicatorStatus.CANCELLED if cancelled else IndicatorStatus.APPROVED,
    )
    indicator.versions = [
        IndicatorVersion(
            number=1,
            title=f"{year}年度职能指标",
            source="三定规定",
            weight=weight,
            published_at=now,
        )
    ]
    session.add(indicator)
    session.flush()
    if completion is not None:
        verification = session.execute(
            select(Verification).where(Verification.year == year, Verification.unit_id == unit_id)
        ).scalar_one_or_none()
        if verification is None:
            verification = Verification(
                year=year,
                unit_id=unit_id,
                status=VerificationStatus.DONE,
                salt=secrets.token_hex(16),
                done_at=now,
            )
            session.add(verification)
            session.flush()
        session.add(
            VerificationEntry(
                verification_id=verification.id,
                indicator_id=indicator.id,
                verified_completion=completion,
            )
        )
        session.flush()
    return indicator


def add_sheet(
    session: Session,
    *,
    year: int,
    kind: SheetKind,
    rater_id: int,
    scores: dict[int, Decimal | None],
    now: datetime,
) -> None:
    """A submitted leader or leading-group sheet: a score per unit id, None for an abstention."""
    sheet = RatingSheet(
        year=year, kind=kind, rater_id=rater_id, status=SheetStatus.SUBMITTED, submitted_at=now
    )
    session.add(sheet)
    session.flush()
    session.execute(
        insert(RatingMark),
        [
            {"sheet_id": sheet.id, "unit_id": unit_id, "score": score, "abstained": score is None}
            for unit_id, score in scores.items()
        ],
    )


def add_department_score(
    session: Session, *, year: int, item: DepartmentItem, unit_id: int, actual: Decimal
) -> None:
    """A departmental item's entered score for a unit."""
    session.add(DepartmentScore(year=year, item=item, unit_id=unit_id, actual=actual))
    session.flush()


def add_daily_ratings(
    session: Session, *, year: int, unit_id: int, counts: dict[Level, int], now: datetime
) -> None:
    """Valid public ratings of a unit, `counts` per level."""
    rows = [
        {
            "unit_id": unit_id,
            "year": year,
            "level": int(level),
            "device_hash": secrets.token_hex(16),
            "client_hash": secrets.token_hex(16),
            "rated_at": now,
            "rated_on": date(year, 6, 1),
        }
        for level, count in counts.items()
        for _n in range(count)
    ]
    if rows:
        session.execute(insert(DailyRating), rows)


def add_survey(
    session: Session,
    *,
    year: int,
    answers: dict[int, list[int | None]],
    now: datetime,
    weight: Decimal | None = None,
) -> Survey:
    """A closed survey with one group; `answers` per unit id: the level of each answer sheet in
    turn (None: "don't know"), every unit's list equally long."""
    survey = Survey(
        year=year,
        title=f"{year}年度省直机关绩效管理社会评价问卷",
        opens_on=date(year, 11, 16),
        closes_on=date(year, 12, 31),
        created_at=now,
    )
    group = SurveyGroup(kind=EvaluatorGroup.SERVICE_USERS, weight=weight)
    survey.groups = [group]
    session.add(survey)
    session.flush()
    sheets = max((len(levels) for levels in answers.values()), default=0)
    ids = [secrets.token_hex(16) for _n in range(sheets)]
    session.execute(
        insert(SurveyResponse),
        [{"id": sheet, "survey_id": survey.id, "group_id": group.id} for sheet in ids],
    )
    rows = [
        {"response_id": ids[n], "unit_id": unit_id, "level": level}
        for unit_id, levels in answers.items()
        for n, level in enumerate(levels)
    ]
    if rows:
        session.execute(insert(SurveyAnswer), rows)
    return survey


def add_confirmed_proposal(
    session: Session, *, year: int, unit_id: int, rule: str, points: Decimal, now: datetime
) -> None:
    """A confirmed P proposal; the year's default rules are created with the first one."""
    if session.execute(select(ProcessRule.id).where(ProcessRule.year == year)).first() is None:
        session.add_all(
            ProcessRule(year=year, code=r.code, name=str(r.name), points=r.points, cap=r.cap)
            for r in DEFAULT_RULES
        )
    session.add(
        Proposal(
            year=year,
            unit_id=unit_id,
            rule_code=rule,
            points=points,
            source_key=f"demo:{secrets.token_hex(8)}",
            source={},
            status=ProposalStatus.APPROVED,  # confirmed by the office, approved by the director
            reason="核实属实",
            decided_at=now,
            created_at=now,
        )
    )
    session.flush()


def _copy_membership(session: Session, from_year: int, year: int) -> list[UnitMembership]:
    if session.get(AssessmentYear, year) is None:
        session.add(AssessmentYear(year=year, status=YearStatus.CLOSED))
        session.flush()
    source = session.execute(
        select(UnitMembership).where(UnitMembership.year == from_year)
    ).scalars()
    copied = [
        UnitMembership(
            year=year,
            unit_id=m.unit_id,
            category=m.category,
            leader_id=m.leader_id,
            headcount=m.headcount,
        )
        for m in source
    ]
    session.add_all(copied)
    session.flush()
    return copied


def load_finished_year_demo(
    session: Session, *, from_year: int, now: datetime, year: int = FINISHED_YEAR
) -> int:
    """Record `year` completed for the units of `from_year` and store its scores; returns how
    many units were scored (0 when the year has scores already)."""
    if session.execute(select(ScoreRun.id).where(ScoreRun.year == year).limit(1)).first():
        return 0
    members = _copy_membership(session, from_year, year)
    chooser = random.Random(year)  # noqa: S311 - demo data, not security
    unit_ids = [m.unit_id for m in members]
    users = session.execute(select(User.id).order_by(User.id)).scalars().all()
    for m in members:
        for _n in range(4):
            weight = Decimal(chooser.choice((20, 25, 30)))
            completion = Decimal(chooser.randint(80, 100)) / 100
            add_indicator(
                session,
                year=year,
                unit_id=m.unit_id,
                weight=weight,
                completion=completion,
                now=now,
            )
    for kind, raters in ((SheetKind.LEADER, users[:8]), (SheetKind.LEADING_GROUP, users[8:14])):
        for rater in raters:
            scores: dict[int, Decimal | None] = {
                unit: Decimal(chooser.randint(78, 98)) for unit in unit_ids
            }
            add_sheet(session, year=year, kind=kind, rater_id=rater, scores=scores, now=now)
    for position, unit in enumerate(unit_ids):
        add_department_score(
            session,
            year=year,
            item=DepartmentItem.LEADERSHIP,
            unit_id=unit,
            actual=Decimal(chooser.randint(11, 15)),
        )
        add_department_score(
            session,
            year=year,
            item=DepartmentItem.BUDGET,
            unit_id=unit,
            actual=Decimal(chooser.randint(3, 5)),
        )
        many = position % 7 != 3  # a few units have too few ratings for D
        total = chooser.randint(30, 60) if many else chooser.randint(5, 20)
        picks = chooser.choices(list(Level), (2, 4, 10, 30, 40), k=total)
        counts = {level: picks.count(level) for level in Level}
        add_daily_ratings(session, year=year, unit_id=unit, counts=counts, now=now)
    sheets = 40
    add_survey(
        session,
        year=year,
        answers={
            unit: chooser.choices([5, 4, 3, 2, 1, None], (34, 36, 14, 4, 2, 10), k=sheets)
            for unit in unit_ids
        },
        now=now,
    )
    for unit, rule, points in (
        (unit_ids[0], "late_report", "-0.5"),
        (unit_ids[1], "overdue_task", "-0.2"),
    ):
        add_confirmed_proposal(
            session, year=year, unit_id=unit, rule=rule, points=Decimal(points), now=now
        )
    inputs = parse_inputs(gather_inputs(session, year))
    store_scores(session, DEMO, year, inputs, f"{year}年度绩效考核计分", now=now)
    return len(members)
