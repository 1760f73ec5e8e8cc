"""Indicator pages: a unit's indicators, the key tasks it leads, the office board, the import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.extensions import db_session
from app.indicators.catalogue import import_catalogue, parse_catalogue
from app.indicators.cycle import (
    ADJUSTMENT,
    open_instance_ids,
    start_setting_for_all,
    units_to_start,
)
from app.indicators.models import IndicatorStatus
from app.indicators.procedure import EDITABLE
from app.indicators.queries import (
    UNIT_PROCEDURES,
    led_key_tasks,
    office_board,
    open_steps,
    own_unit_id,
    unit_indicators,
)
from app.org.models import Unit
from app.org.services import current_year
from app.progress.queries import latest_percent
from app.web.context import current_actor, login_required, permission_required
from app.workflow.instances.runtime import start_instance
from app.workflow.tasks.assignment import can_work

bp = Blueprint("indicators", __name__, url_prefix="/indicators", template_folder="templates")


@bp.get("/")
@login_required
@permission_required(Permission.BUSINESS)
def index() -> Any:
    """Unit staff: their unit's indicators and the key tasks it leads. Office: the year's board."""
    actor, session = current_actor(), db_session()
    year = request.args.get("year", type=int) or current_year(session)
    unit_id = own_unit_id(actor)
    own = unit_indicators(session, year, unit_id) if unit_id else []
    led = led_key_tasks(session, year, unit_id) if unit_id else []
    shown = [i.id for i in own] + [i.id for t in led for _u, i in t.indicators if i is not None]
    office = actor.can(Permission.RUN_CYCLE)
    return render_template(
        "indicators/index.html",
        year=year,
        statuses=list(IndicatorStatus),
        own=own,
        led=led,
        percent=latest_percent(session, shown),
        steps=open_steps(session, [i.instance_id for i in own if i.instance_id]),
        can_start_setting=bool(own)
        and any(i.status in EDITABLE and not i.instance_id for i in own),
        can_adjust=any(i.status is IndicatorStatus.APPROVED for i in own),
        adjustment_open=bool(unit_id and open_instance_ids(session, ADJUSTMENT, unit_id)),
        board=office_board(session, actor, year, utcnow()) if office else [],
        to_start=units_to_start(session, year) if office else [],
        can_import=office,
    )


@bp.post("/procedures/<key>")
@login_required
@permission_required(Permission.BUSINESS)
def start_procedure(key: str) -> Any:
    """Unit staff start their unit's indicator setting or an adjustment request, and land on its
    first form; an adjustment request already open is reopened instead, with a warning."""
    session, actor = db_session(), current_actor()
    year = request.form.get("year", type=int) or current_year(session)
    unit_id = own_unit_id(actor)
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if key not in UNIT_PROCEDURES or unit is None:
        raise NotFound(_("No such procedure."))
    already = open_instance_ids(session, key, unit.id) if key == ADJUSTMENT else []
    if already:
        flash(_("An adjustment request of your unit is already open: carry on with it."), "warning")
        return _first_step(already[0])
    started = start_instance(
        session, actor=actor, key=key, unit_code=unit.code, data={"year": year}, now=utcnow()
    )
    session.commit()
    return _first_step(started.id)


def _first_step(instance_id: int) -> Any:
    """The instance's open task the actor can work, or the instance page when there is none."""
    actor = current_actor()
    mine = [t for t in open_steps(db_session(), [instance_id])[instance_id] if can_work(actor, t)]
    if mine:
        return redirect(url_for("workflow.task", task_id=mine[0].id))
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.post("/setting/start-all")
@login_required
@permission_required(Permission.RUN_CYCLE)
def start_setting_everywhere() -> Any:
    """The office opens indicator setting for every unit with drafts and none open, once it has
    confirmed how many that is."""
    session = db_session()
    year = request.form.get("year", type=int) or current_year(session)
    expected = len(units_to_start(session, year))
    if request.form.get("count", type=int) != expected:
        flash(
            _(
                "The number of units to start has changed to %(n)d: check and confirm again.",
                n=expected,
            ),
            "warning",
        )
        return redirect(url_for("indicators.index", year=year))
    units = start_setting_for_all(session, actor=current_actor(), year=year, now=utcnow())
    session.commit()
    names = "、".join(u.name_zh for u in units)
    flash(
        _("Indicator setting started for %(n)d units: %(names)s.", n=len(units), names=names),
        "success",
    )
    return redirect(url_for("indicators.index", year=year))


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
