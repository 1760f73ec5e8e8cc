"""Service operations of the `rectification` procedure (`rectification.*`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.calendar.services import working_calendar
from app.db import utcnow
from app.errors import InvalidInput
from app.evaluations.ratings.services import mark_returned_to_rater
from app.extensions import db_session
from app.workflow.registry import REGISTRY, Operation, ServiceCall

DEFAULT_WORKDAYS = 5
MAX_WORKDAYS = 60
# What is to be rectified, in the officials' words; other kinds come with appeals and results.
KIND_LABELS = {
    "bad_review": "群众差评整改",
    "appeal": "申诉复核整改",
    "results": "考核结果反馈问题整改",
}


def _workdays(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_WORKDAYS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKDAYS:
        raise InvalidInput(
            _("workdays must be a whole number of working days from 1 to %(n)d.", n=MAX_WORKDAYS)
        )
    return value


def _open(call: ServiceCall) -> dict[str, Any]:
    """The reply's due date in working days from now (default 5), and what the forms show."""
    workdays = _workdays(call.params.get("workdays"))
    kind = str(call.params.get("kind") or "")
    if not kind:
        raise InvalidInput(_("kind must name what is to be rectified, e.g. bad_review."))
    due = working_calendar(db_session()).workday_deadline(utcnow(), workdays)
    return {
        "workdays": workdays,
        "reply_due": due.isoformat(),
        "kind_label": KIND_LABELS.get(kind, kind),
    }


def _accept(call: ServiceCall) -> bool:
    """The office accepted the reply: a rater who left a contact gets it back (marked)."""
    rating_id = call.params.get("rating_id")
    if rating_id is None:
        return False
    if isinstance(rating_id, bool) or not isinstance(rating_id, int):
        raise InvalidInput(_("rating_id must be the id of a rating."))
    return mark_returned_to_rater(db_session(), actor=call.actor, rating_id=rating_id, now=utcnow())


for operation in (
    Operation(
        "rectification.open",
        "The reply's due date (`workdays` working days from now, default 5) and the kind's name.",
        {"kind": True, "workdays": False},
        _open,
    ),
    Operation(
        "rectification.accept",
        "The office accepted the reply; a rating's rater who left a contact is marked as answered.",
        {"rating_id": False},
        _accept,
    ),
):
    REGISTRY.register(operation)
