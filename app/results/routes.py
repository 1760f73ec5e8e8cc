"""The use of results page (SPEC §12): office and leaders; xlsx export; rectification orders."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db_session
from app.org.services import current_year
from app.results.export import results_workbook
from app.results.services import (
    RECTIFICATION_WORKDAYS,
    order_rectification,
    rectification_deployed,
    rectification_workdays,
    require_result_reader,
    year_results,
)
from app.signoff.services import published_years
from app.web.context import current_actor, login_required

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@login_required
def latest() -> Any:
    """The newest year with final grades (or the current year)."""
    require_result_reader(current_actor())
    session = db_session()
    years = published_years(session)
    return redirect(url_for("results.year_page", year=years[0] if years else current_year(session)))


def _year_page(year: int, workdays_errors: dict[str, tuple[str, str]] | None = None) -> str:
    session, actor = db_session(), current_actor()
    results = year_results(session, actor, year)
    return render_template(
        "results/year.html",
        year=year,
        results=results,
        years=published_years(session),
        can_order=actor.can(Permission.RUN_CYCLE),
        rectification_deployed=rectification_deployed(session),
        default_workdays=RECTIFICATION_WORKDAYS,
        workdays_errors=workdays_errors or {},
    )


@bp.get("/<int:year>")
@login_required
def year_page(year: int) -> Any:
    """Per unit: grade, next year's 优秀 places, rewards, three-year runs, history."""
    return _year_page(year)


@bp.get("/<int:year>/results.xlsx")
@login_required
def export(year: int) -> Any:
    """The same rows as an xlsx workbook."""
    results = year_results(db_session(), current_actor(), year)
    response = Response(results_workbook(year, results), mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename=results-{year}.xlsx"
    return response


@bp.post("/<int:year>/<unit_code>/rectification")
@login_required
def rectification(year: int, unit_code: str) -> Any:
    """Start the rectification the unit's result orders (once), due in the working days the
    office gives; a bad number is shown next to the unit's field."""
    session = db_session()
    unit_code = unit_code[:16]
    raw = request.form.get("workdays", "")[:8]
    try:
        workdays = rectification_workdays(raw)
    except InvalidInput as error:
        return _year_page(year, {unit_code: (raw, error.message)}), 422
    try:
        order = order_rectification(
            session,
            current_actor(),
            year=year,
            unit_code=unit_code,
            now=utcnow(),
            workdays=workdays,
        )
    except InvalidInput as error:
        session.rollback()
        flash(error.message, "danger")
    else:
        session.commit()
        flash(_("Rectification started (process %(id)d).", id=order.instance_id), "success")
    return redirect(url_for("results.year_page", year=year))
