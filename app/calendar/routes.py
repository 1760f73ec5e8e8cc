"""The calendar page: a year's working days, the office's entries, import of a year's file."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.models import DayKind
from app.calendar.services import (
    covered_by_package,
    import_calendar,
    parse_calendar_csv,
    set_day,
    working_calendar,
    year_entries,
)
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db_session
from app.web.bounds import year_number
from app.web.context import current_actor, login_required
from app.workflow.timers.deadlines import recompute_provisional_deadlines

bp = Blueprint("calendar", __name__, url_prefix="/calendar", template_folder="templates")


def _require_viewer() -> None:
    actor = current_actor()
    if not actor.can(Permission.CONFIGURE):
        require(actor, Permission.RUN_CYCLE)


@bp.get("/")
@login_required
def year_view() -> Any:
    """Twelve months of working days and holidays, with the office's entries marked."""
    _require_viewer()
    year = request.args.get("year", utcnow().year, type=year_number) or utcnow().year
    year = min(max(year, 2004), 2100)
    calendar = working_calendar(db_session())
    entries = {e.day: e for e in year_entries(db_session(), year)}
    months = [
        (
            month,
            [
                [(d, calendar.is_workday(d) if d.month == month else None) for d in week]
                for week in month_calendar.Calendar().monthdatescalendar(year, month)
            ],
        )
        for month in range(1, 13)
    ]
    return render_template(
        "calendar/year.html",
        year=year,
        months=months,
        entries=entries,
        known=calendar.year_is_known(year),
        package=covered_by_package(year),
        can_edit=current_actor().can(Permission.RUN_CYCLE),
    )


def _after_change(message: str) -> None:
    recomputed = recompute_provisional_deadlines(db_session(), actor=current_actor(), now=utcnow())
    db_session().commit()
    flash(message, "success")
    if recomputed.tasks or recomputed.instances:
        flash(
            _(
                "%(t)d due date(s) in %(i)d process(es) were computed again.",
                t=recomputed.tasks,
                i=recomputed.instances,
            ),
            "info",
        )


@bp.post("/day")
@login_required
def day() -> Any:
    """Enter or remove one date."""
    require(current_actor(), Permission.RUN_CYCLE)
    try:
        chosen = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash(_("Enter a date as YYYY-MM-DD."), "error")
        return redirect(url_for("calendar.year_view"))
    kind = request.form.get("kind", "")
    set_day(
        db_session(),
        actor=current_actor(),
        day=chosen,
        kind=DayKind(kind) if kind in set(DayKind) else None,
        note=request.form.get("note", ""),
        now=utcnow(),
    )
    _after_change(_("%(day)s saved.", day=chosen.isoformat()))
    return redirect(url_for("calendar.year_view", year=chosen.year))


@bp.post("/import")
@login_required
def upload() -> Any:
    """Import a `date,kind,note` file; each year in it replaces that year's entries."""
    require(current_actor(), Permission.RUN_CYCLE)
    file = request.files.get("file")
    try:
        text = file.read().decode("utf-8") if file else ""
        entries = parse_calendar_csv(text)
    except (InvalidInput, UnicodeDecodeError) as error:
        message = error.message if isinstance(error, InvalidInput) else _("Save the file as UTF-8.")
        details = error.details if isinstance(error, InvalidInput) else []
        return render_template(
            "calendar/import_errors.html", message=message, errors=details or []
        ), 422
    years = import_calendar(db_session(), actor=current_actor(), entries=entries, now=utcnow())
    _after_change(_("Imported %(years)s.", years=", ".join(str(y) for y in years)))
    return redirect(url_for("calendar.year_view", year=years[0]))
