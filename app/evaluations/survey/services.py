"""The office's side of the survey: create it with its groups, issue and revoke invitations,
set group weights, and see progress per group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.workdays import SHANGHAI, end_of_local_day
from app.errors import Conflict, InvalidInput, NotFound
from app.evaluations.survey.models import (
    EvaluatorGroup,
    InvitationStatus,
    Survey,
    SurveyGroup,
    SurveyInvitation,
    SurveyResponse,
)
from app.evaluations.survey.tokens import invitation_token, new_nonce, token_hash
from app.org.models import AssessmentYear

MAX_INVITATIONS_AT_ONCE = 1000


@dataclass(frozen=True)
class SurveyInput:
    """What the office enters to create the year's survey."""

    year: int
    title: str
    opens_on: date | None
    closes_on: date | None


@dataclass(frozen=True)
class GroupProgress:
    """Invitations and answer sheets of one evaluator group."""

    group: SurveyGroup
    issued: int
    used: int
    revoked: int
    responses: int

    @property
    def unused(self) -> int:
        """Invitations still usable (issued, neither used nor revoked)."""
        return self.issued - self.used - self.revoked


def opens_at(survey: Survey) -> datetime:
    """00:00 Asia/Shanghai of the opening date."""
    return datetime.combine(survey.opens_on, time(0), tzinfo=SHANGHAI)


def closes_at(survey: Survey) -> datetime:
    """23:59:59 Asia/Shanghai of the closing date: invitations are valid until then."""
    return end_of_local_day(survey.closes_on)


def survey_for_year(session: Session, year: int) -> Survey | None:
    """The year's survey, if the office has created it."""
    return session.execute(select(Survey).where(Survey.year == year)).scalar_one_or_none()


def all_surveys(session: Session) -> list[Survey]:
    """Every year's survey, the newest first."""
    return list(session.execute(select(Survey).order_by(Survey.year.desc())).scalars().all())


def survey_by_id(session: Session, survey_id: int) -> Survey:
    """The survey, or NotFound."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(_("No such survey."))
    return survey


def group_of(survey: Survey, group_id: int) -> SurveyGroup:
    """One of the survey's groups, or NotFound."""
    for group in survey.groups:
        if group.id == group_id:
            return group
    raise NotFound(_("No such evaluator group."))


def _survey_errors(session: Session, data: SurveyInput) -> list[dict[str, str]]:
    errors = []
    if session.get(AssessmentYear, data.year) is None:
        errors.append(
            {"path": "year", "message": _("There is no assessment year %(year)d.", year=data.year)}
        )
    elif survey_for_year(session, data.year) is not None:
        errors.append({"path": "year", "message": _("The year already has its survey.")})
    if not data.title.strip() or len(data.title) > 200:
        errors.append({"path": "title", "message": _("Enter a title of at most 200 characters.")})
    if data.opens_on is None:
        errors.append({"path": "opens_on", "message": _("Enter the opening date.")})
    if data.closes_on is None:
        errors.append({"path": "closes_on", "message": _("Enter the closing date.")})
    elif data.opens_on is not None and data.closes_on < data.opens_on:
        errors.append(
            {"path": "closes_on", "message": _("The survey cannot close before it opens.")}
        )
    return errors


def create_survey(session: Session, *, actor: Actor, data: SurveyInput, now: datetime) -> Survey:
    """Create the year's survey with the six evaluator groups of SPEC §6."""
    require(actor, Permission.RUN_CYCLE)
    errors = _survey_errors(session, data)
    if errors or data.opens_on is None or data.closes_on is None:
        raise InvalidInput(_("The survey could not be created."), details=errors)
    survey = Survey(
        year=data.year,
        title=data.title.strip(),
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        created_at=now,
        created_by_id=actor.user_id,
        groups=[SurveyGroup(kind=kind) for kind in EvaluatorGroup],
    )
    session.add(survey)
    session.flush()
    record(
        session,
        actor=actor,
        action="survey.create",
        object_type="survey",
        object_id=survey.id,
        after={
            "year": survey.year,
            "title": survey.title,
            "opens_on": survey.opens_on.isoformat(),
            "closes_on": survey.closes_on.isoformat(),
            "groups": [group.kind.value for group in survey.groups],
        },
        now=now,
    )
    return survey


def issue_invitations(
    session: Session,
    *,
    actor: Actor,
    group: SurveyGroup,
    count: int,
    secret_key: str,
    now: datetime,
) -> list[str]:
    """Issue `count` one-time invitations to the group at once; returns their tokens."""
    require(actor, Permission.RUN_CYCLE)
    if not 1 <= count <= MAX_INVITATIONS_AT_ONCE:
        message = _(
            "Issue between 1 and %(most)d invitations at once.", most=MAX_INVITATIONS_AT_ONCE
        )
        raise InvalidInput(message, details=[{"path": "count", "message": message}])
    if now > closes_at(group.survey):
        raise Conflict(_("The survey has closed; no more invitations can be issued."))
    nonces = [new_nonce() for _index in range(count)]
    tokens = [invitation_token(nonce, secret_key) for nonce in nonces]
    session.execute(
        insert(SurveyInvitation),
        [
            {
                "group_id": group.id,
                "nonce": nonce,
                "token_hash": token_hash(token),
                "status": InvitationStatus.ISSUED,
                "issued_at": now,
            }
            for nonce, token in zip(nonces, tokens, strict=True)
        ],
    )
    record(
        session,
        actor=actor,
        action="survey.invitations_issue",
        object_type="survey_group",
        object_id=group.id,
        after={"group": group.kind.value, "count": count},
        now=now,
    )
    return tokens


def revoke_invitation(
    session: Session, *, actor: Actor, survey: Survey, invitation_id: int, now: datetime
) -> SurveyInvitation:
    """Withdraw an unused invitation; its link stops working."""
    require(actor, Permission.RUN_CYCLE)
    invitation = session.get(SurveyInvitation, invitation_id)
    if invitation is None or invitation.group.survey_id != survey.id:
        raise NotFound(_("No such invitation."))
    revoked = cast(
        CursorResult[Any],
        session.execute(
            update(SurveyInvitation)
            .where(
                SurveyInvitation.id == invitation_id,
                SurveyInvitation.status == InvitationStatus.ISSUED,
            )
            .values(status=InvitationStatus.REVOKED)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not revoked:
        raise Conflict(_("The invitation was already used or revoked."))
    session.refresh(invitation)
    record(
        session,
        actor=actor,
        action="survey.invitation_revoke",
        object_type="survey_invitation",
        object_id=invitation_id,
        before={"status": InvitationStatus.ISSUED.value},
        after={"status": InvitationStatus.REVOKED.value},
        now=now,
    )
    return invitation


def _parsed_weight(raw: str) -> Decimal | None:
    text = raw.strip()
    if not text:
        return None
    try:
        weight = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not weight.is_finite() or weight < 0 or weight > Decimal("9999.99"):
        raise ValueError
    return weight


def set_group_weights(
    session: Session, *, actor: Actor, survey: Survey, weights: dict[int, str], now: datetime
) -> None:
    """Weigh each group's mean in Y, or (all blank) count every answer equally."""
    require(actor, Permission.RUN_CYCLE)
    parsed: dict[int, Decimal | None] = {}
    errors = []
    for group in survey.groups:
        try:
            parsed[group.id] = _parsed_weight(weights.get(group.id, ""))
        except ValueError:
            errors.append(
                {"path": f"weight-{group.id}", "message": _("Enter a number from 0 to 9999.99.")}
            )
    given = [weight for weight in parsed.values() if weight is not None]
    if not errors and given and (len(given) != len(parsed) or not any(given)):
        errors.append(
            {
                "path": "weights",
                "message": _("Give every group a weight (not all zero), or leave all blank."),
            }
        )
    if errors:
        raise InvalidInput(_("The weights were not saved."), details=errors)
    before = {group.kind.value: _text(group.weight) for group in survey.groups}
    for group in survey.groups:
        group.weight = parsed[group.id]
    session.flush()
    record(
        session,
        actor=actor,
        action="survey.weights",
        object_type="survey",
        object_id=survey.id,
        before=before,
        after={group.kind.value: _text(group.weight) for group in survey.groups},
        now=now,
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def survey_progress(session: Session, survey: Survey) -> list[GroupProgress]:
    """Per group: invitations issued, used and revoked, and answer sheets received."""
    counts = session.execute(
        select(SurveyInvitation.group_id, SurveyInvitation.status, func.count())
        .join(SurveyGroup)
        .where(SurveyGroup.survey_id == survey.id)
        .group_by(SurveyInvitation.group_id, SurveyInvitation.status)
    ).all()
    by_status: dict[tuple[int, InvitationStatus], int] = {
        (group_id, status): int(count) for group_id, status, count in counts
    }
    responses: dict[int, int] = dict(
        session.execute(
            select(SurveyResponse.group_id, func.count())
            .where(SurveyResponse.survey_id == survey.id)
            .group_by(SurveyResponse.group_id)
        )
        .tuples()
        .all()
    )
    return [
        GroupProgress(
            group=group,
            issued=sum(by_status.get((group.id, status), 0) for status in InvitationStatus),
            used=by_status.get((group.id, InvitationStatus.USED), 0),
            revoked=by_status.get((group.id, InvitationStatus.REVOKED), 0),
            responses=int(responses.get(group.id, 0)),
        )
        for group in survey.groups
    ]


def group_invitations(session: Session, group: SurveyGroup) -> list[SurveyInvitation]:
    """The group's invitations, unused first, then in the order they were issued."""
    unused_first = (SurveyInvitation.status != InvitationStatus.ISSUED).asc()
    return list(
        session.execute(
            select(SurveyInvitation)
            .where(SurveyInvitation.group_id == group.id)
            .order_by(unused_first, SurveyInvitation.id)
        )
        .scalars()
        .all()
    )
