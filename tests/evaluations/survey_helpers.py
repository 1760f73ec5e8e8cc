"""Shared set-up of the survey tests: three units, the office, a unit's staff, an open survey."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.evaluations.survey.models import EvaluatorGroup, Survey, SurveyGroup
from app.evaluations.survey.services import SurveyInput, create_survey, issue_invitations
from app.extensions import db
from tests.factories import make_unit, make_user

# Inside the survey below (opens 2026-12-01, closes 2026-12-20 at 24:00 in Shanghai).
DURING = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
UNIT_CODES = ("FGW", "GXT", "JYT")
LINK = re.compile(r"/survey/([A-Za-z0-9_-]{22})")


@dataclass
class SurveySetup:
    survey: Survey
    tokens: list[str]

    def group(self, kind: EvaluatorGroup) -> SurveyGroup:
        return next(group for group in self.survey.groups if group.kind == kind)


def office_actor() -> Actor:
    return actor_for(
        db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    )


def build_survey(app: Flask, *, invitations: int = 3) -> SurveySetup:
    fgw = make_unit("FGW", name="省发展改革委", category="economic")
    make_unit("GXT", name="省工业和信息化厅", category="economic")
    make_unit("JYT", name="省教育厅", category="social_service")
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, fgw))
    office = office_actor()
    survey = create_survey(
        db.session,
        actor=office,
        data=SurveyInput(2026, "2026年度社会评价", date(2026, 12, 1), date(2026, 12, 20)),
        now=DURING,
    )
    group = next(g for g in survey.groups if g.kind == EvaluatorGroup.SERVICE_USERS)
    tokens = issue_invitations(
        db.session,
        actor=office,
        group=group,
        count=invitations,
        secret_key=app.config["SECRET_KEY"],
        now=DURING,
    )
    db.session.commit()
    return SurveySetup(survey, tokens)


def full_sheet(level: str = "4") -> dict[str, str]:
    return {f"unit-{code}": level for code in UNIT_CODES}
