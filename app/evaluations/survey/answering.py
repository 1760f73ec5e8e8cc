"""The evaluator's side: open an invitation and submit the answer sheet once.

The sheet is stored with a random id under the survey and group only; the invitation is marked
used in the same transaction by a guarded update, so of two simultaneous submissions one wins.
The audit entry names the group, never the invitation.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.errors import AccessDenied, Conflict, DomainError, InvalidInput, NotFound
from app.evaluations.survey.models import (
    LEVELS,
    InvitationStatus,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from app.evaluations.survey.services import closes_at, opens_at
from app.evaluations.survey.tokens import TOKEN_LENGTH, token_hash
from app.org.models import Category, UnitMembership
from app.org.services import memberships

DONT_KNOW = "0"
ANONYMOUS = Actor.system("survey evaluator")


class InvitationGone(DomainError):
    """The invitation can no longer be used: the survey closed or the office revoked it."""

    status = 410
    code = "gone"


@dataclass(frozen=True)
class OpenInvitation:
    """A usable invitation with the survey and the units to rate."""

    invitation: SurveyInvitation
    survey: Survey
    units: list[UnitMembership]


def open_invitation(session: Session, token: str, *, now: datetime) -> OpenInvitation:
    """The invitation behind `token` if it can be answered now; otherwise a domain error that
    says why (404 unknown, 403 not yet open, 410 closed or revoked, 409 already used)."""
    invitation = None
    if len(token) == TOKEN_LENGTH:
        invitation = session.execute(
            select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
        ).scalar_one_or_none()
    if invitation is None:
        raise NotFound(_("This survey link is not valid. Check that it was copied in full."))
    survey = invitation.group.survey
    if invitation.status == InvitationStatus.USED:
        raise Conflict(_("This invitation has already been used. Each invitation answers once."))
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationGone(_("This invitation was withdrawn by the performance office."))
    if now < opens_at(survey):
        raise AccessDenied(
            _(
                "The survey opens on %(day)s. Please come back then.",
                day=survey.opens_on.isoformat(),
            )
        )
    if now > closes_at(survey):
        raise InvitationGone(
            _(
                "The survey closed on %(day)s; answers are no longer accepted.",
                day=survey.closes_on.isoformat(),
            )
        )
    return OpenInvitation(invitation, survey, list(memberships(session, survey.year)))


def _levels(units: list[UnitMembership], raw: Mapping[str, str]) -> dict[int, int | None]:
    """Each unit's level (None: don't know), or InvalidInput naming every unit left out."""
    levels: dict[int, int | None] = {}
    errors = []
    for membership in units:
        value = (raw.get(membership.unit.code) or "").strip()
        if value == DONT_KNOW:
            levels[membership.unit_id] = None
        elif value.isdigit() and int(value) in LEVELS:
            levels[membership.unit_id] = int(value)
        else:
            errors.append(
                {"path": membership.unit.code, "message": _("Choose a level or “don't know”.")}
            )
    if errors:
        raise InvalidInput(
            _("%(count)d units have no answer yet; they are marked below.", count=len(errors)),
            details=errors,
        )
    return levels


def submit_answers(session: Session, token: str, raw: Mapping[str, str], *, now: datetime) -> None:
    """Store the sheet (unit code → level 1–5 or "0" for don't know) and use up the invitation."""
    opened = open_invitation(session, token, now=now)
    levels = _levels(opened.units, raw)
    used = cast(
        CursorResult[Any],
        session.execute(
            update(SurveyInvitation)
            .where(
                SurveyInvitation.id == opened.invitation.id,
                SurveyInvitation.status == InvitationStatus.ISSUED,
            )
            .values(status=InvitationStatus.USED)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not used:
        raise Conflict(_("This invitation has already been used. Each invitation answers once."))
    group_id = opened.invitation.group_id
    response_id = secrets.token_hex(16)
    session.execute(
        insert(SurveyResponse),
        [{"id": response_id, "survey_id": opened.survey.id, "group_id": group_id}],
    )
    session.execute(
        insert(SurveyAnswer),
        [
            {"response_id": response_id, "unit_id": unit_id, "level": level}
            for unit_id, level in levels.items()
        ],
    )
    record(
        session,
        actor=ANONYMOUS,
        action="survey.answer",
        object_type="survey_group",
        object_id=group_id,
        after={"units": len(levels)},
        now=now,
    )


def units_by_category(units: list[UnitMembership]) -> list[tuple[Category, list[UnitMembership]]]:
    """The units in the order of the six categories, each category's units by code."""
    grouped: dict[Category, list[UnitMembership]] = {category: [] for category in Category}
    for membership in units:
        grouped[membership.category].append(membership)
    return [(category, members) for category, members in grouped.items() if members]
