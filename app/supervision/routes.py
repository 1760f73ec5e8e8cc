"""`/supervision`: the board supervisors and office staff chase late work from."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.extensions import db_session
from app.org.services import current_year, memberships, unit_by_code
from app.supervision.services import (
    BoardRow,
    Lateness,
    NobodyToChase,
    board,
    board_workbook,
    chase,
    count_by_lateness,
    escalate,
    on_time_rates,
)
from app.web.bounds import day_count
from app.web.context import current_actor, login_required, permission_required
from app.workflow.instances.queries import process_choices

bp = Blueprint("supervision", __name__, url_prefix="/supervision", template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@login_required
@permission_required(Permission.SUPERVISE)
def index() -> Any:
    """Open tasks coloured on time / due soon / overdue, with on-time rates."""
    now, actor, session = utcnow(), current_actor(), db_session()
    days = max(min(request.args.get("days", 90, type=int) or 90, 366), 1)
    all_rows = _filtered_board(now)
    by_unit, by_process = on_time_rates(session, actor, since=now - timedelta(days=days), until=now)
    return render_template(
        "supervision/index.html",
        rows=_of_lateness(all_rows),
        counts=count_by_lateness(all_rows),
        now=now,
        unit_code=request.args.get("unit") or None,
        process_key=request.args.get("process") or None,
        only=request.args.get("lateness"),
        days=days,
        by_unit=by_unit,
        by_process=by_process,
        units=memberships(session, current_year(session)),
        processes=process_choices(session),
        Lateness=Lateness,
    )


def _filtered_board(now: datetime) -> list[BoardRow]:
    """The board by the request's unit, process, lane and age filters (the page's and the
    export's: the workbook holds what the page shows)."""
    session = db_session()
    unit_code = request.args.get("unit") or None
    return board(
        session,
        current_actor(),
        now=now,
        unit_id=unit_by_code(session, unit_code).id if unit_code else None,
        process_key=request.args.get("process") or None,
        lane=request.args.get("lane") or None,
        min_age_days=request.args.get("age", 0, type=day_count) or 0,
        search=request.args.get("q"),
    )


def _of_lateness(rows: list[BoardRow]) -> list[BoardRow]:
    """The rows of the `lateness` the request asks for (all without one)."""
    only = request.args.get("lateness")
    return [r for r in rows if only in (None, "", r.lateness.value)]


@bp.get("/export.xlsx")
@login_required
@permission_required(Permission.SUPERVISE)
def export() -> Any:
    """The board (with the page's filters) as an xlsx workbook."""
    rows = _of_lateness(_filtered_board(utcnow()))
    labels = {
        "sheet": _("Open tasks"),
        "task": _("Task"),
        "unit": _("Unit"),
        "process": _("Process"),
        "lane": _("Lane"),
        "due": _("Due"),
        "state": _("Status"),
        "on_time": _("On time"),
        "due_soon": _("Due soon"),
        "overdue": _("Overdue"),
    }
    response = Response(board_workbook(rows, labels), mimetype=XLSX)
    response.headers["Content-Disposition"] = 'attachment; filename="supervision.xlsx"'
    return response


@bp.post("/tasks/<task_id>/chase")
@login_required
@permission_required(Permission.SUPERVISE)
def chase_task(task_id: str) -> Any:
    """Remind whoever may work the task (once a day)."""
    try:
        sent = chase(db_session(), actor=current_actor(), task_id=task_id, now=utcnow())
    except NobodyToChase as refused:
        db_session().rollback()
        flash(refused.message, "warning")
        return redirect(request.referrer or url_for("supervision.index"))
    db_session().commit()
    flash(_("Reminder sent to %(n)d person(s).", n=sent), "success")
    return redirect(request.referrer or url_for("supervision.index"))


@bp.post("/tasks/<task_id>/escalate")
@login_required
@permission_required(Permission.SUPERVISE)
def escalate_task(task_id: str) -> Any:
    """Tell the unit head and the office director."""
    sent = escalate(db_session(), actor=current_actor(), task_id=task_id, now=utcnow())
    db_session().commit()
    flash(_("Escalated to %(n)d person(s).", n=sent), "success")
    return redirect(request.referrer or url_for("supervision.index"))
