"""GET /units: the units of the current year."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.edge import token_required
from app.extensions import db_session
from app.org.services import current_year, memberships


@bp.get("/units")
@token_required
def list_units() -> Any:
    """Code, names and category of every unit assessed in the current year."""
    year = current_year(db_session())
    return jsonify(
        [
            {
                "code": m.unit.code,
                "name": m.unit.name_zh,
                "name_en": m.unit.name_en,
                "category": m.category.value,
                "year": year,
            }
            for m in memberships(db_session(), year)
        ]
    )
