"""Daily-management pages: the office's P proposals (confirm or reject with a reason), each
unit's P, and the year's rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db_session
from app.org.services import current_year
from app.progress.director import propose_bonus, review
from app.progress.models import ProposalStatus
from app.progress.proposals import CORRECTION_NAMES, decide, update_rule
from app.progress.queries import proposal_board
from app.web.context import current_actor, login_required, permission_required, unit_filter

bp = Blueprint("progress", __name__, url_prefix="/progress", template_folder="templates")


def _status(value: str | None) -> ProposalStatus | None:
    try:
        return ProposalStatus(value) if value else ProposalStatus.PROPOSED
    except ValueError:
        return None


def _page(year: int, status: ProposalStatus | None, errors: dict[str, str], code: int = 200) -> Any:
    board = proposal_board(db_session(), current_actor(), year, status, unit_filter())
    return render_template(
        "progress/proposals.html",
        year=year,
        unit=unit_filter(),
        status=status,
        statuses=list(ProposalStatus),
        board=board,
        correction_names=CORRECTION_NAMES,
        errors=errors,
        form=request.form,
    ), code


@bp.get("/proposals")
@login_required
@permission_required(Permission.RUN_CYCLE)
def proposals() -> Any:
    """Proposals to decide (or all of them), P per unit, the year's rules."""
    year = request.args.get("year", type=int) or current_year(db_session())
    status = (
        _status(request.args.get("status", "proposed"))
        if request.args.get("status") != "all"
        else None
    )
    page = _page(year, status, {})
    db_session().commit()  # the year's default rules, created on first view
    return page


@bp.post("/proposals/<int:proposal_id>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def decide_proposal(proposal_id: int) -> Any:
    """Confirm or reject one proposal with a reason."""
    year = request.form.get("year", type=int) or current_year(db_session())
    confirm = request.form.get("decision") == "confirm"
    try:
        decide(
            db_session(),
            actor=current_actor(),
            proposal_id=proposal_id,
            confirm=confirm,
            reason=request.form.get("reason", ""),
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        return _page(
            year, ProposalStatus.PROPOSED, {f"proposal-{proposal_id}": error.message}, error.status
        )
    db_session().commit()
    flash(_("Proposal confirmed.") if confirm else _("Proposal rejected."), "success")
    return redirect(url_for("progress.proposals", year=year))


@bp.post("/bonuses")
@login_required
@permission_required(Permission.RUN_CYCLE)
def propose_bonus_page() -> Any:
    """The office proposes a bonus for a unit with its reason and evidence file."""
    session, actor, now = db_session(), current_actor(), utcnow()
    year = request.form.get("year", type=int) or current_year(session)
    unit_id = request.form.get("unit_id", type=int)
    upload = request.files.get("evidence")
    try:
        propose_bonus(
            session,
            actor=actor,
            year=year,
            unit_id=unit_id,
            points=_decimal(request.form.get("points"), "points"),
            reason=request.form.get("reason", ""),
            evidence=(upload.filename, upload.read()) if upload and upload.filename else None,
            now=now,
        )
    except DomainError as error:
        session.rollback()
        details = error.details if isinstance(error.details, list) else []
        errors = {f"bonus-{d['path']}": d["message"] for d in details}
        return _page(
            year, ProposalStatus.PROPOSED, errors or {"bonus-evidence": error.message}, error.status
        )
    session.commit()
    flash(_("Bonus proposed; confirm it like a deduction."), "success")
    return redirect(url_for("progress.proposals", year=year))


@bp.post("/proposals/<int:proposal_id>/review")
@login_required
@permission_required(Permission.APPROVE_OFFICE_PROPOSALS)
def review_proposal(proposal_id: int) -> Any:
    """The office director approves a confirmed deduction or bonus, or returns it with a reason."""
    year = request.form.get("year", type=int) or current_year(db_session())
    approve = request.form.get("decision") == "approve"
    try:
        review(
            db_session(),
            actor=current_actor(),
            proposal_id=proposal_id,
            approve=approve,
            reason=request.form.get("reason", ""),
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        return _page(
            year, ProposalStatus.CONFIRMED, {f"review-{proposal_id}": error.message}, error.status
        )
    db_session().commit()
    flash(_("Approved: it counts in P.") if approve else _("Returned to the office."), "success")
    return redirect(url_for("progress.proposals", year=year, status="confirmed"))


def _decimal(raw: str | None, field: str) -> Decimal:
    try:
        return Decimal((raw or "").strip())
    except InvalidOperation:
        message = _("Enter a number.")
        raise InvalidInput(message, details=[{"path": field, "message": message}]) from None


@bp.post("/rules/<code>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def save_rule(code: str) -> Any:
    """Change the points or cap of one of the year's rules."""
    year = request.form.get("year", type=int) or current_year(db_session())
    try:
        points = _decimal(request.form.get("points"), "points")
        raw_cap = (request.form.get("cap") or "").strip()
        cap = _decimal(raw_cap, "cap") if raw_cap else None
        update_rule(
            db_session(),
            actor=current_actor(),
            year=year,
            code=code,
            points=points,
            cap=cap,
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        details = error.details if isinstance(error.details, list) else []
        message = "；".join(d["message"] for d in details) or error.message
        return _page(year, ProposalStatus.PROPOSED, {f"rule-{code}": message}, error.status)
    db_session().commit()
    flash(_("Rule saved."), "success")
    return redirect(url_for("progress.proposals", year=year))
