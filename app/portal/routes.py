"""The public portal (policy §15, §23): published indicators, their completion and the published
results; no sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from app.calendar.workdays import SHANGHAI
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db_session
from app.org.models import Category
from app.portal.queries import portal_years, public_units
from app.signoff.models import GradeNotice
from app.signoff.services import published_notice, published_years

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")


def _category(value: str | None) -> Category | None:
    try:
        return Category(value) if value else None
    except ValueError:
        return None


def _this_year() -> int:
    """The calendar year in China, for a portal with nothing published yet."""
    return utcnow().astimezone(SHANGHAI).year


@bp.get("/")
def index() -> Any:
    """Published indicators by category and unit, with search."""
    session = db_session()
    years = portal_years(session)
    year = request.args.get("year", type=int) or (years[0] if years else _this_year())
    category = _category(request.args.get("category"))
    search = (request.args.get("q") or "")[:100]
    unit_code = (request.args.get("unit") or "")[:16] or None
    units = public_units(session, year, category=category, unit_code=unit_code, search=search)
    return render_template(
        "portal/index.html",
        years=years or [year],
        year=year,
        categories=list(Category),
        category=category,
        search=search,
        unit_code=unit_code,
        units=units,
        notice_years=published_years(session),
    )


def _notice(year: int) -> GradeNotice:
    notice = published_notice(db_session(), year)
    if notice is None:
        raise NotFound(_("No results have been published for %(year)d.", year=year))
    return notice


@bp.get("/results/<int:year>")
def results(year: int) -> Any:
    """The published notice of the year: each unit's final grade by category, with search."""
    notice = _notice(year)
    search = (request.args.get("q") or "")[:100].strip()
    grades = [g for g in notice.grades if not search or search in g.unit.name_zh]
    by_category = [
        (category, [g for g in grades if g.category == category])
        for category in Category
        if any(g.category == category for g in grades)
    ]
    return render_template(
        "portal/results.html", notice=notice, by_category=by_category, search=search
    )


@bp.get("/results/<int:year>/notice.pdf")
def notice_pdf(year: int) -> Any:
    """The notice 通报 as its PDF."""
    response = Response(_notice(year).pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=notice-{year}.pdf"
    return response
