"""The office's year-end verification page: where each unit stands, claimed and verified
completion per indicator, and starting the procedure for every unit that needs one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.extensions import db_session
from app.org.services import current_year
from app.verification.cycle import start_all, units_to_start
from app.verification.queries import open_units, units_with_approved, verification_board
from app.web.context import current_actor, login_required, permission_required, unit_filter

bp = Blueprint("verification", __name__, url_prefix="/verification", template_folder="templates")


@bp.get("/")
@login_required
@permission_required(Permission.RUN_CYCLE)
def index() -> Any:
    """The current year's verification."""
    return redirect(url_for("verification.board", year=current_year(db_session())))


@bp.get("/<int:year>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def board(year: int) -> Any:
    """Per unit (or only `?unit=CODE`): the verification's state, its indicators' claimed and
    verified completion and its evidence files."""
    session = db_session()
    return render_template(
        "verification/board.html",
        year=year,
        unit=unit_filter(),
        rows=verification_board(session, year, unit_filter()),
        to_start=len(units_to_start(session, year)),
    )


@bp.get("/<int:year>/start")
@login_required
@permission_required(Permission.RUN_CYCLE)
def confirm_start(year: int) -> Any:
    """The units the start would open a procedure for, and those it skips, to confirm."""
    session = db_session()
    still_open = open_units(session, year)
    return render_template(
        "verification/confirm_start.html",
        year=year,
        to_start=units_to_start(session, year),
        skipped=[u for u in units_with_approved(session, year) if u.id in still_open],
    )


@bp.post("/<int:year>/start")
@login_required
@permission_required(Permission.RUN_CYCLE)
def start(year: int) -> Any:
    """Start the verification for every unit with approved indicators and none open."""
    session = db_session()
    started = start_all(session, actor=current_actor(), year=year, now=utcnow())
    session.commit()
    if started:
        names = "、".join(started)
        message = _("Verification started for %(n)d units: %(names)s.", n=len(started), names=names)
        flash(message, "success")
    else:
        flash(_("Every unit with approved indicators has its verification open or done."), "info")
    return redirect(url_for("verification.board", year=year))
