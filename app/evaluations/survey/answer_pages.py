"""The evaluator's page behind each invitation: public, no sign-in, no JavaScript needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from app.db import utcnow
from app.errors import DomainError, InvalidInput
from app.evaluations.survey.answering import (
    DONT_KNOW,
    OpenInvitation,
    open_invitation,
    submit_answers,
    units_by_category,
)
from app.evaluations.survey.models import LEVEL_LABELS
from app.extensions import csrf, db_session

bp = Blueprint("survey", __name__, url_prefix="/survey", template_folder="templates")
UNIT_FIELD = "unit-"


def _form(
    opened: OpenInvitation, chosen: dict[str, str], errors: dict[str, str], status: int
) -> Any:
    return render_template(
        "survey/answer.html",
        survey=opened.survey,
        group=opened.invitation.group,
        categories=units_by_category(opened.units),
        levels=list(LEVEL_LABELS.items()),
        dont_know=DONT_KNOW,
        names={membership.unit.code: membership.unit.name_zh for membership in opened.units},
        chosen=chosen,
        errors=errors,
    ), status


def _refusal(error: DomainError) -> Any:
    return render_template("survey/refusal.html", error=error), error.status


@bp.get("/<token>")
def answer_form(token: str) -> Any:
    """The survey form: every unit of the year by category, five levels or don't know."""
    try:
        opened = open_invitation(db_session(), token, now=utcnow())
    except DomainError as error:
        return _refusal(error)
    return _form(opened, {}, {}, 200)


@bp.post("/<token>")
def submit(token: str) -> Any:
    """Store the answers once; a sheet with units left out comes back with what was chosen."""
    session, now = db_session(), utcnow()
    chosen = {
        key.removeprefix(UNIT_FIELD): value[:2]
        for key, value in request.form.items()
        if key.startswith(UNIT_FIELD)
    }
    try:
        submit_answers(session, token, chosen, now=now)
    except InvalidInput as error:
        session.rollback()
        errors = {detail["path"]: detail["message"] for detail in error.details or []}
        return _form(open_invitation(session, token, now=now), chosen, errors, 422)
    except DomainError as error:
        session.rollback()
        return _refusal(error)
    session.commit()
    return redirect(url_for("survey.thanks"), code=303)


# The one-time token in the address is the credential and no cookie carries authority here, so a
# forged cross-site post gains nothing; without a CSRF token the evaluator needs no session either.
csrf.exempt(submit)


@bp.get("/thanks")
def thanks() -> Any:
    """Where a submitted sheet lands."""
    return render_template("survey/thanks.html")
