"""The audit log page for the audit administrator."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.auth.roles import Permission
from app.extensions import db, db_session
from app.web.context import login_required, permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
PAGE_SIZE = 50


@bp.get("/")
@login_required
@permission_required(Permission.READ_AUDIT)
def log() -> Any:
    """Newest entries first, filtered by action or actor; optionally verify the chain."""
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if actor:
        query = query.where(AuditEntry.actor_name == actor)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    entries = (
        db.session.execute(
            query.order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    report = verify_chain(db_session()) if request.args.get("verify") else None
    return render_template(
        "audit/log.html",
        entries=entries,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        action=action,
        actor=actor,
        report=report,
    )
