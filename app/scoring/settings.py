"""The year's scoring settings the office may change: how the grade quotas are rounded (SPEC §9).

The setting is read when a year's inputs are gathered, so it makes the grades of the next
computation; a stored version keeps the rounding it was graded with."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import InvalidInput, NotFound
from app.org.models import AssessmentYear
from app.scoring.inputs import QuotaRounding


def quota_rounding_of(session: Session, year: int) -> QuotaRounding:
    """The year's quota rounding; floor for a year not set up (SPEC §9's default)."""
    found = session.get(AssessmentYear, year)
    if found is None:
        return QuotaRounding.FLOOR
    try:
        return QuotaRounding(found.quota_rounding)
    except ValueError:
        return QuotaRounding.FLOOR


def set_quota_rounding(
    session: Session, actor: Actor, year: int, value: str, *, now: datetime
) -> QuotaRounding:
    """Set how the year's grade quotas are rounded (office only, audited with before/after)."""
    require(actor, Permission.RUN_CYCLE)
    try:
        rounding = QuotaRounding(value)
    except ValueError:
        choices = "、".join(option.label for option in QuotaRounding)
        raise InvalidInput(
            _("Choose how the quotas are rounded: %(choices)s.", choices=choices),
            details=[{"path": "quota_rounding", "message": _("Not a known rounding.")}],
        ) from None
    found = session.get(AssessmentYear, year)
    if found is None:
        raise NotFound(_("The year %(year)d is not set up.", year=year))
    before = quota_rounding_of(session, year)
    if before is not rounding:
        found.quota_rounding = rounding.value
        record(
            session,
            actor=actor,
            action="scores.quota_rounding",
            object_type="year",
            object_id=year,
            before={"quota_rounding": before.value},
            after={"quota_rounding": rounding.value},
            now=now,
        )
    return rounding
