"""The blueprint of the workflow pages (`task_pages`, `process_pages`) and what they share."""

from __future__ import annotations

from flask import Blueprint, request

from app.extensions import db_session
from app.org.services import unit_by_code

bp = Blueprint("workflow", __name__, template_folder="templates")
PAGE_SIZE = 100
MAX_PAGE_NUMBER = 1000


def page_number() -> int:
    """The `page` argument (1 for anything that is not a page number in range)."""
    number = request.args.get("page", 1, type=int) or 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


def unit_id_of(code: str | None) -> int | None:
    """The id of the unit a filter names by code (None for no filter; NotFound if unknown)."""
    return unit_by_code(db_session(), code).id if code else None
