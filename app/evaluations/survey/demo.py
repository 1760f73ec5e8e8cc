"""The demo's 2026 survey: its groups, invitations issued, a few hundred answer sheets written in
bulk, and a few unused invitations per group whose links work."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.services import actor_for
from app.calendar.workdays import local_date
from app.evaluations.survey.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from app.evaluations.survey.services import (
    SurveyInput,
    create_survey,
    issue_invitations,
    survey_for_year,
)
from app.org.demo import DEMO_YEAR
from app.org.services import memberships

SHEETS_PER_GROUP = 40
UNUSED_PER_GROUP = 5
# How the demo's evaluators lean: level 5 … 1, and "don't know" (None).
LEVEL_WEIGHTS = {5: 34, 4: 36, 3: 14, 2: 4, 1: 2, None: 10}


def load_survey_demo(session: Session, *, secret_key: str, now: datetime) -> int:
    """Create the demo survey unless it exists; returns the answer sheets written (0 if it did)."""
    if survey_for_year(session, DEMO_YEAR) is not None:
        return 0
    office = actor_for(session.execute(select(User).where(User.username == "office1")).scalar_one())
    today = local_date(now)
    # Open long enough that the unused demo links still work when the demo is loaded later on.
    closes_on = max(today + timedelta(days=60), today.replace(month=12, day=31))
    survey = create_survey(
        session,
        actor=office,
        data=SurveyInput(
            year=DEMO_YEAR,
            title=f"{DEMO_YEAR}年度省直机关绩效管理社会评价问卷",
            opens_on=min(today, today.replace(month=11, day=16)),
            closes_on=closes_on,
        ),
        now=now,
    )
    units = [membership.unit_id for membership in memberships(session, DEMO_YEAR)]
    chooser = random.Random(DEMO_YEAR)  # noqa: S311 - demo data, not security
    levels, weights = list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values())
    sheets: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    for group in survey.groups:
        issue_invitations(
            session,
            actor=office,
            group=group,
            count=SHEETS_PER_GROUP + UNUSED_PER_GROUP,
            secret_key=secret_key,
            now=now,
        )
        issued = select(SurveyInvitation.id).where(SurveyInvitation.group_id == group.id)
        used = session.execute(issued.order_by(SurveyInvitation.id).limit(SHEETS_PER_GROUP))
        session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.id.in_(used.scalars().all()))
            .values(status=InvitationStatus.USED)
        )
        for _sheet in range(SHEETS_PER_GROUP):
            sheet_id = secrets.token_hex(16)
            sheets.append({"id": sheet_id, "survey_id": survey.id, "group_id": group.id})
            picks = chooser.choices(levels, weights, k=len(units))
            answers.extend(
                {"response_id": sheet_id, "unit_id": unit_id, "level": level}
                for unit_id, level in zip(units, picks, strict=True)
            )
    session.execute(insert(SurveyResponse), sheets)
    session.execute(insert(SurveyAnswer), answers)
    return len(sheets)
