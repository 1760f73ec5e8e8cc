"""Year-end evaluation pages: a rater's grid (leaders, leading group), a department's item, and
the office's overview of the year."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.auth.services import require
from app.db import utcnow
from app.errors import AccessDenied, DomainError
from app.evaluations import departments, grid, procedure
from app.evaluations.aggregates import year_evaluations
from app.evaluations.models import DepartmentItem, SheetKind
from app.extensions import db_session
from app.org.services import current_year, memberships
from app.web.context import current_actor, login_required, permission_required, unit_filter

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations", template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind(value: str) -> SheetKind:
    try:
        return SheetKind(value)
    except ValueError:
        abort(404)


def _item(value: str) -> DepartmentItem:
    try:
        return DepartmentItem(value)
    except ValueError:
        abort(404)


def _field_errors(error: DomainError) -> dict[str, str]:
    details = error.details if isinstance(error.details, list) else []
    return {str(d.get("path")): str(d.get("message")) for d in details}


def _unit_code() -> str | None:
    """The lead unit a lead unit's sheet belongs to (`?unit=CODE`; else the rater's own)."""
    return request.args.get("unit") or None


def _grid_page(year: int, kind: SheetKind, errors: dict[str, str], code: int = 200) -> Any:
    sheet_grid = grid.grid_for(db_session(), current_actor(), year, kind, _unit_code())
    return render_template(
        "evaluations/grid.html",
        year=year,
        kind=kind,
        grid=sheet_grid,
        errors=errors,
        form=request.form if errors else None,
    ), code


@bp.get("/<int:year>/sheets/<kind>")
@login_required
def sheet(year: int, kind: str) -> Any:
    """The rater's grid of the year."""
    return _grid_page(year, _kind(kind), {})


@bp.post("/<int:year>/sheets/<kind>")
@login_required
def save_sheet(year: int, kind: str) -> Any:
    """Save the grid as a draft (保存草稿) or submit it (提交)."""
    sheet_kind = _kind(kind)
    entries = {
        m.unit.code: grid.GridEntry(
            score=request.form.get(f"score-{m.unit.code}", ""),
            abstain=bool(request.form.get(f"abstain-{m.unit.code}")),
        )
        for m in memberships(db_session(), year)
    }
    submit = request.form.get("action") == "submit"
    try:
        task_done = procedure.save_sheet(
            db_session(),
            actor=current_actor(),
            year=year,
            kind=sheet_kind,
            entries=entries,
            submit=submit,
            now=utcnow(),
            unit_code=_unit_code(),
        )
    except DomainError as error:
        db_session().rollback()
        return _grid_page(
            year, sheet_kind, _field_errors(error) or {"": error.message}, error.status
        )
    db_session().commit()
    if task_done:
        flash(_("Sheet submitted; your year-end evaluation task is done."), "success")
    else:
        flash(_("Sheet submitted.") if submit else _("Draft saved."), "success")
    return redirect(
        url_for("evaluations.sheet", year=year, kind=sheet_kind.value, unit=_unit_code())
    )


@bp.post("/sheets/<int:sheet_id>/reopen")
@login_required
@permission_required(Permission.RUN_CYCLE)
def reopen(sheet_id: int) -> Any:
    """The office reopens a submitted sheet, with a reason."""
    year = request.form.get("year", type=int) or current_year(db_session())
    try:
        reopened = grid.reopen_sheet(
            db_session(),
            actor=current_actor(),
            sheet_id=sheet_id,
            reason=request.form.get("reason", ""),
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        return _overview_page(year, {f"sheet-{sheet_id}": error.message}, error.status)
    db_session().commit()
    flash(_("Sheet reopened."), "success")
    return redirect(url_for("evaluations.overview", year=reopened.year))


def _item_page(year: int, item: DepartmentItem, errors: dict[str, str], code: int = 200) -> Any:
    session = db_session()
    departments.check_owner(session, current_actor(), item)
    return render_template(
        "evaluations/department_item.html",
        year=year,
        item=item,
        units=memberships(session, year),
        rows=departments.item_scores(session, year, item),
        errors=errors,
        form=request.form if errors else None,
    ), code


@bp.get("/<int:year>/departments/<item>")
@login_required
def department_item(year: int, item: str) -> Any:
    """The owning department's entry page for an item."""
    return _item_page(year, _item(item), {})


@bp.post("/<int:year>/departments/<item>")
@login_required
def save_department_item(year: int, item: str) -> Any:
    """Store the item's scores typed on the page."""
    owned = _item(item)
    entries = {
        m.unit.code: departments.ItemEntry(
            score=request.form.get(f"score-{m.unit.code}", ""),
            not_taking_part=bool(request.form.get(f"skip-{m.unit.code}")),
        )
        for m in memberships(db_session(), year)
    }
    return _store_item(year, owned, entries)


def _store_item(year: int, item: DepartmentItem, entries: dict[str, departments.ItemEntry]) -> Any:
    try:
        task_done = procedure.save_item(
            db_session(), actor=current_actor(), year=year, item=item, entries=entries, now=utcnow()
        )
    except DomainError as error:
        db_session().rollback()
        if error.status == 403:
            raise
        return _item_page(year, item, _field_errors(error) or {"": error.message}, error.status)
    db_session().commit()
    if task_done:
        flash(_("Scores saved; the item is complete and your task is done."), "success")
    else:
        flash(_("Scores saved."), "success")
    return redirect(url_for("evaluations.department_item", year=year, item=item.value))


@bp.get("/<int:year>/departments/<item>/template.xlsx")
@login_required
def item_template(year: int, item: str) -> Any:
    """The item's workbook: one row per unit, what is entered so far filled in."""
    owned = _item(item)
    departments.check_owner(db_session(), current_actor(), owned)
    data = departments.template_workbook(db_session(), year, owned)
    filename = f"{owned.value}-{year}.xlsx"
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


@bp.post("/<int:year>/departments/<item>/import")
@login_required
def import_item(year: int, item: str) -> Any:
    """Read the item's scores from an uploaded workbook: all rows or none."""
    owned = _item(item)
    session = db_session()
    departments.check_owner(session, current_actor(), owned)
    upload = request.files.get("file")
    try:
        entries = departments.read_workbook(session, year, owned, upload.read() if upload else b"")
    except DomainError as error:
        details = error.details if isinstance(error.details, list) else []
        return _item_page(
            year, owned, {"file": "；".join(d["message"] for d in details)}, error.status
        )
    return _store_item(year, owned, entries)


def _overview_page(year: int, errors: dict[str, str], code: int = 200) -> Any:
    session = db_session()
    return render_template(
        "evaluations/overview.html",
        year=year,
        unit=unit_filter(),
        rows=year_evaluations(session, year, unit_filter()),
        items=departments.progress_by_item(session, year),
        leader_sheets=grid.sheets_of_year(session, year, SheetKind.LEADER),
        group_sheets=grid.sheets_of_year(session, year, SheetKind.LEADING_GROUP),
        lead_unit_sheets=grid.sheets_of_year(session, year, SheetKind.LEAD_UNIT),
        sheet_units=grid.sheet_unit_names(session, year),
        raters=grid.rater_names(session),
        errors=errors,
    ), code


@bp.get("/<int:year>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def overview(year: int) -> Any:
    """Leader, L and Dept per unit with the counts behind them; sheets and items."""
    return _overview_page(year, {})


@bp.post("/items/<item>/owner")
@login_required
def assign_owner(item: str) -> Any:
    """The office gives an item to a department account."""
    require(current_actor(), Permission.RUN_CYCLE)
    year = request.form.get("year", type=int) or current_year(db_session())
    owned = _item(item)
    try:
        departments.assign_item(
            db_session(),
            actor=current_actor(),
            item=owned,
            username=request.form.get("username", ""),
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        return _overview_page(year, {f"item-{owned.value}": error.message}, error.status)
    db_session().commit()
    flash(_("Department assigned."), "success")
    return redirect(url_for("evaluations.overview", year=year))


@bp.get("/")
@login_required
@permission_required(Permission.EVALUATE)
def index() -> Any:
    """Each user's own year-end work: the office's overview, a rater's grid, a department's item."""
    session, actor = db_session(), current_actor()
    year = current_year(session)
    if actor.can(Permission.RUN_CYCLE):
        return redirect(url_for("evaluations.overview", year=year))
    for kind, role in grid.RATER_ROLES.items():
        if role in actor.roles:
            return redirect(url_for("evaluations.sheet", year=year, kind=kind.value))
    owned = departments.owned_items(session, actor.user_id or 0)
    if owned:
        return redirect(url_for("evaluations.department_item", year=year, item=owned[0].value))
    raise AccessDenied(_("You have no year-end evaluation work."))
