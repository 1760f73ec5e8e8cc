"""GET /years/<year>/scores: the latest stored score table of a year (CONTRACT)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.edge import api_actor, token_required
from app.extensions import db_session
from app.scoring.services import stored_table


@bp.get("/years/<int:year>/scores")
@token_required
def year_scores(year: int) -> Any:
    """The year's latest score version: I, P, E, T, rank, proposed grade per unit."""
    return jsonify(stored_table(db_session(), api_actor(), year))


_TWO_DECIMALS = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
SCORE_TABLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["year", "version", "units"],
    "properties": {
        "year": {"type": "integer"},
        "version": {"type": ["integer", "null"]},
        "units": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "code",
                    "name",
                    "category",
                    "I",
                    "P",
                    "E",
                    "T",
                    "rank",
                    "grade",
                    "flags",
                    "excellent_places",
                ],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "category": {"type": "string"},
                    "I": _TWO_DECIMALS,
                    "P": _TWO_DECIMALS,
                    "E": _TWO_DECIMALS,
                    "T": _TWO_DECIMALS,
                    "rank": {"type": "integer"},
                    "grade": {"type": "string", "enum": ["优秀", "良好", "合格", "不合格"]},
                    "flags": {"type": "array", "items": {"type": "string"}},
                    "excellent_places": {"type": "integer"},
                },
            },
        },
    },
}
