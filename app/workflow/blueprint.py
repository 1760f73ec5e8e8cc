"""The blueprint of the workflow pages (`task_pages`, `process_pages`) and what they share."""

from __future__ import annotations

from flask import Blueprint

from app.extensions import db_session
from app.org.services import unit_by_code

bp = Blueprint("workflow", __name__, template_folder="templates")


def unit_id_of(code: str | None) -> int | None:
    """The id of the unit a filter names by code (None for no filter; NotFound if unknown)."""
    return unit_by_code(db_session(), code).id if code else None
