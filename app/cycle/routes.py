"""The office's page of the year's cycle: the diagram and where it stands, the units at each
step of each procedure, the phase dates (editable), open a phase early or hold it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.cycle import services
from app.cycle.overview import cycle_overview
from app.cycle.phases import Phase
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db_session
from app.org.services import current_year
from app.web.context import current_actor, login_required, permission_required

bp = Blueprint("cycle", __name__, url_prefix="/cycle", template_folder="templates")


@bp.get("/")
@login_required
@permission_required(Permission.RUN_CYCLE)
def index() -> Any:
    """The current year's cycle."""
    return redirect(url_for("cycle.year_page", year=current_year(db_session())))


def _page(
    year: int, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> Any:
    overview = cycle_overview(db_session(), current_actor(), year, now=utcnow())
    return render_template(
        "cycle/year.html",
        overview=overview,
        errors=errors or {},
        values=values or {},
    ), (422 if errors else 200)


@bp.get("/<int:year>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def year_page(year: int) -> Any:
    """The year's cycle."""
    return _page(year)


def _dates_from_form() -> tuple[dict[str, date], dict[str, str]]:
    dates: dict[str, date] = {}
    errors: dict[str, str] = {}
    for phase in Phase:
        raw = request.form.get(phase.value, "").strip()
        if not raw:
            continue
        try:
            dates[phase.value] = date.fromisoformat(raw)
        except ValueError:
            errors[phase.value] = _("Enter a date such as 2027-01-05.")
    return dates, errors


@bp.post("/<int:year>/dates")
@login_required
@permission_required(Permission.RUN_CYCLE)
def set_dates(year: int) -> Any:
    """Save the phase dates; a bad or refused date is shown next to its field."""
    session = db_session()
    dates, errors = _dates_from_form()
    if not errors:
        try:
            services.set_dates(session, current_actor(), year, dates, now=utcnow())
            session.commit()
            flash(_("The phase dates are saved."), "success")
            return redirect(url_for("cycle.year_page", year=year))
        except InvalidInput as error:
            session.rollback()
            details = error.details if isinstance(error.details, list) else []
            errors = {d["path"]: d["message"] for d in details} or {"": error.message}
    return _page(year, errors, dict(request.form))


@bp.post("/<int:year>/phases/<phase>/<action>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def phase_action(year: int, phase: str, action: str) -> Any:
    """Open a phase early, hold it or release it (audited)."""
    session, actor, now = db_session(), current_actor(), utcnow()
    if action == "open-early":
        services.open_early(session, actor, year, phase, now=now)
        message = _("The phase opens at the cycle's next check.")
    elif action in ("hold", "release"):
        services.set_held(session, actor, year, phase, held=action == "hold", now=now)
        message = _("The phase is held.") if action == "hold" else _("The phase is released.")
    else:
        raise InvalidInput(_("Unknown action."))
    session.commit()
    flash(message, "success")
    return redirect(url_for("cycle.year_page", year=year))


@bp.post("/<int:year>/start")
@login_required
@permission_required(Permission.RUN_CYCLE)
def start(year: int) -> Any:
    """Start the year's annual cycle."""
    session = db_session()
    services.start_cycle(session, current_actor(), year, now=utcnow())
    session.commit()
    flash(_("The annual cycle of %(year)d is started.", year=year), "success")
    return redirect(url_for("cycle.year_page", year=year))
