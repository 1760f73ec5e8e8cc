"""The dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app.db import utcnow
from app.extensions import db_session
from app.web.context import current_actor, login_required
from app.web.dashboard import build_dashboard

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
@login_required
def dashboard() -> Any:
    """The signed-in user's dashboard, by role."""
    now = utcnow()
    return render_template(
        "web/dashboard.html", board=build_dashboard(db_session(), current_actor(), now), now=now
    )
