"""Indicator pages: a unit's indicators, the key tasks it leads, the office board, the import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db_session
from app.indicators.catalogue import import_catalogue, parse_catalogue
from app.indicators.models import IndicatorStatus
from app.indicators.queries import led_key_tasks, office_board, own_unit_id, unit_indicators
from app.org.services import current_year
from app.web.context import current_actor, login_required, permission_required

bp = Blueprint("indicators", __name__, url_prefix="/indicators", template_folder="templates")


@bp.get("/")
@login_required
@permission_required(Permission.BUSINESS)
def index() -> Any:
    """Unit staff: their unit's indicators and the key tasks it leads. Office: the year's board."""
    actor, session = current_actor(), db_session()
    year = request.args.get("year", type=int) or current_year(session)
    unit_id = own_unit_id(actor)
    return render_template(
        "indicators/index.html",
        year=year,
        statuses=list(IndicatorStatus),
        own=unit_indicators(session, year, unit_id) if unit_id else [],
        led=led_key_tasks(session, year, unit_id) if unit_id else [],
        board=office_board(session, actor, year) if actor.can(Permission.RUN_CYCLE) else [],
        can_import=actor.can(Permission.RUN_CYCLE),
    )


@bp.post("/catalogue")
@login_required
@permission_required(Permission.RUN_CYCLE)
def catalogue() -> Any:
    """Import the year's key-task catalogue; a bad file is answered with every bad row."""
    session, year = db_session(), request.form.get("year", type=int) or current_year(db_session())
    file = request.files.get("file")
    try:
        rows = parse_catalogue(session, file.read() if file else b"", year)
        drafts = import_catalogue(
            session, actor=current_actor(), year=year, rows=rows, now=utcnow()
        )
    except InvalidInput as error:
        session.rollback()
        return render_template(
            "indicators/catalogue_errors.html", message=error.message, errors=error.details or []
        ), 422
    session.commit()
    flash(
        _(
            "Imported %(n)d key tasks; %(d)d draft indicators were created for the responsible "
            "units.",
            n=len(rows),
            d=drafts,
        ),
        "success",
    )
    return redirect(url_for("indicators.index", year=year))
