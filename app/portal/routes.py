"""The public portal (policy §15): published indicators and their completion, no sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from app.calendar.workdays import SHANGHAI
from app.db import utcnow
from app.extensions import db_session
from app.org.models import Category
from app.portal.queries import portal_years, public_units

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
    )
