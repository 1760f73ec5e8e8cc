"""The audit log page for the audit administrator: who did what, when, and which fields changed;
never the business content (SPEC §1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit.presentation import (
    ACTION_LABELS,
    EXPORT_LIMIT,
    HEAD_PROBLEM_LABELS,
    AuditFilter,
    as_row,
    workbook,
)
from app.audit.services import verify_chain
from app.audit.signing import HeadProblem, SigningKeyMissing, check_signed_heads
from app.auth.roles import Permission
from app.db import utcnow
from app.extensions import db, db_session
from app.web.context import login_required, permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date_arg(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Enter a date such as 2026-12-01.")
        return None


def _filters() -> tuple[AuditFilter, dict[str, str]]:
    errors: dict[str, str] = {}
    since, until = _date_arg("since", errors), _date_arg("until", errors)
    if since and until and since > until:
        errors["until"] = _("The end date is before the start date.")
    chosen = AuditFilter(
        action=request.args.get("action", "").strip(),
        actor=request.args.get("actor", "").strip(),
        since=since,
        until=until,
    )
    return chosen, errors


@bp.get("/")
@login_required
@permission_required(Permission.READ_AUDIT)
def log() -> Any:
    """Newest entries first, filtered by action, actor and dates; optionally verify the chain."""
    chosen, errors = _filters()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10**6)
    query = chosen.query() if not errors else AuditFilter().query()
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    entries = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars()
    report = verify_chain(db_session()) if request.args.get("verify") else None
    head_problem = _head_problem() if report is not None else None
    actions = sorted(((str(label), code) for code, label in ACTION_LABELS.items()))
    return render_template(
        "audit/log.html",
        rows=[as_row(entry) for entry in entries],
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        chosen=chosen,
        args={k: v for k, v in request.args.items() if k in {"action", "actor", "since", "until"}},
        actions=actions,
        errors=errors,
        report=report,
        head_problem=head_problem,
        head_problem_labels=HEAD_PROBLEM_LABELS,
    )


def _head_problem() -> HeadProblem | None:
    try:
        return check_signed_heads(db_session(), now=utcnow())
    except SigningKeyMissing as missing:
        return HeadProblem(0, str(missing), "no_key")


@bp.get("/export.xlsx")
@login_required
@permission_required(Permission.READ_AUDIT)
def export() -> Any:
    """The filtered log as an xlsx workbook, without content, as the page shows it."""
    chosen, errors = _filters()
    if errors:
        return Response("; ".join(errors.values()), status=400, mimetype="text/plain")
    entries = db.session.execute(chosen.query().limit(EXPORT_LIMIT)).scalars()
    headers = [
        _("No."),
        _("Time"),
        _("Actor"),
        _("Action"),
        _("Object"),
        _("Fields changed"),
        _("Address"),
    ]
    response = Response(workbook([as_row(entry) for entry in entries], headers), mimetype=XLSX)
    response.headers["Content-Disposition"] = 'attachment; filename="audit.xlsx"'
    return response
