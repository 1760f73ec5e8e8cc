"""Pages: the office delivers a year's results and follows each unit's appeal; a unit's trail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.appeals.delivery import STATE_LABELS, deliver_results, delivery_overview
from app.appeals.models import DeliveryState
from app.appeals.trail import appeal_trail
from app.auth.roles import UNIT_ROLES, Permission
from app.db import utcnow
from app.errors import AccessDenied, DomainError
from app.extensions import db_session
from app.org.services import current_year, unit_by_code
from app.scoring.services import scored_years
from app.web.context import current_actor, login_required, permission_required

bp = Blueprint("appeals", __name__, url_prefix="/appeals", template_folder="templates")


def _year_page(year: int, errors: dict[str, str], status: int = 200) -> Any:
    overview = delivery_overview(db_session(), current_actor(), year)
    return render_template("appeals/year.html", year=year, overview=overview, errors=errors), status


@bp.get("/")
@login_required
@permission_required(Permission.RUN_CYCLE)
def index() -> Any:
    """The newest scored year's page; before any year is scored, the current year's (which
    says so)."""
    years = scored_years(db_session())
    year = years[0][0] if years else current_year(db_session())
    return redirect(url_for("appeals.year_page", year=year))


@bp.get("/<int:year>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def year_page(year: int) -> Any:
    """Every scored unit's delivery and appeal state, and the delivery button."""
    return _year_page(year, {})


@bp.post("/<int:year>/deliver")
@login_required
@permission_required(Permission.RUN_CYCLE)
def deliver(year: int) -> Any:
    """Deliver the latest scores to every unit that has not had them (confirmed with the count)."""
    overview = delivery_overview(db_session(), current_actor(), year)
    if overview.version is None:
        return _year_page(year, {}, 409)  # the page says the year has no scores yet
    expected = overview.to_deliver
    if request.form.get("confirm_count", type=int) != expected:
        message = _("Tick the box to confirm the delivery to %(n)d units.", n=expected)
        return _year_page(year, {"confirm_count": message}, 422)
    try:
        report = deliver_results(db_session(), current_actor(), year, utcnow())
    except DomainError as error:
        db_session().rollback()
        return _year_page(year, {"form": error.message}, error.status)
    db_session().commit()
    flash(
        _(
            "Results version %(version)d delivered; appeal procedures started: %(n)d%(units)s.",
            version=report.version,
            n=len(report.started),
            units=(": " + "、".join(code for code, _id in report.started))
            if report.started
            else "",
        ),
        "success",
    )
    return redirect(url_for("appeals.year_page", year=year))


@bp.get("/<int:year>/<unit_code>")
@login_required
@permission_required(Permission.BUSINESS)
def unit_page(year: int, unit_code: str) -> Any:
    """The unit's deliveries, appeals, decisions and score versions."""
    actor = current_actor()
    unit = unit_by_code(db_session(), unit_code)
    if not actor.can(Permission.RUN_CYCLE) and unit.id not in actor.unit_ids_for(*UNIT_ROLES):
        raise AccessDenied(_("You may see only your own unit's appeals."))
    trail = appeal_trail(db_session(), year, unit_code)
    labels = {state.value: str(label) for state, label in STATE_LABELS.items()}
    return render_template(
        "appeals/unit.html", trail=trail, labels=labels, states=DeliveryState, year=year
    )
