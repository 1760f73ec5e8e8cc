"""The notification centre."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from app.db import utcnow
from app.extensions import db_session
from app.notifications.services import latest, mark_all_read
from app.web.context import current_actor, login_required

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")


@bp.get("/")
@login_required
def index() -> Any:
    """The user's newest notifications; unread ones are highlighted."""
    actor = current_actor()
    return render_template(
        "notifications/index.html", notifications=latest(db_session(), actor.user_id or 0)
    )


@bp.post("/read")
@login_required
def read_all() -> Any:
    """Mark every notification read."""
    mark_all_read(db_session(), actor=current_actor(), now=utcnow())
    db_session().commit()
    return redirect(url_for("notifications.index"))
