"""The office's rating pages: counts and D per unit, links and QR codes, moderation, devices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError
from app.evaluations.ratings import qr
from app.evaluations.ratings.links import rating_link
from app.evaluations.ratings.models import Level, RatingDevice
from app.evaluations.ratings.queries import moderation_queue, unit_summaries
from app.evaluations.ratings.rules import rules_from
from app.evaluations.ratings.services import issue_device_key, moderate, withdraw_device
from app.extensions import db_session
from app.org.services import current_year, unit_by_code
from app.web.context import current_actor, login_required, permission_required, unit_filter

bp = Blueprint("ratings_office", __name__, url_prefix="/ratings", template_folder="templates")

QUEUE_VIEWS = ("pending", "flagged", "invalid", "all")


def _year() -> int:
    return request.args.get("year", type=int) or current_year(db_session())


@bp.get("/")
@login_required
@permission_required(Permission.RUN_CYCLE)
def index() -> Any:
    """Per unit (or only `?unit=CODE`): valid ratings by level, invalid, flagged, D; the link,
    QR codes and poster."""
    year = _year()
    units = unit_summaries(db_session(), year, unit_filter())
    links = {u.code: rating_link(u.token) for u in units}
    return render_template(
        "ratings/index.html",
        year=year,
        unit=unit_filter(),
        units=units,
        links=links,
        levels=list(Level),
    )


@bp.get("/moderation")
@login_required
@permission_required(Permission.RUN_CYCLE)
def moderation() -> Any:
    """Ratings to judge: with a comment or flagged; also the flagged, invalid or all of them."""
    return _moderation_page({})


def _moderation_page(errors: dict[int, str], status: int = 200) -> Any:
    year = _year()
    show = request.args.get("show", "pending")
    show = show if show in QUEUE_VIEWS else "pending"
    queue = moderation_queue(db_session(), year=year, show=show)
    return render_template(
        "ratings/moderation.html",
        year=year,
        show=show,
        views=QUEUE_VIEWS,
        queue=queue,
        errors=errors,
        form=request.form,
        level_names={int(lv): lv.name_zh for lv in Level},
    ), status


@bp.post("/moderation/<int:rating_id>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def decide(rating_id: int) -> Any:
    """Mark one rating valid, or invalid with a reason (audited)."""
    session = db_session()
    try:
        moderate(
            session,
            actor=current_actor(),
            rating_id=rating_id,
            valid=request.form.get("decision") == "valid",
            reason=request.form.get("reason", ""),
            now=utcnow(),
            rules=rules_from(current_app.config),
        )
    except DomainError as error:
        session.rollback()
        return _moderation_page({rating_id: error.message}, error.status)
    session.commit()
    return redirect(url_for(".moderation", year=_year(), show=request.args.get("show", "pending")))


def _unit_link(code: str) -> tuple[str, str]:
    unit = unit_by_code(db_session(), code)
    return rating_link(unit.rating_token), unit.name_zh


@bp.get("/units/<code>/qr.svg")
@login_required
@permission_required(Permission.RUN_CYCLE)
def qr_svg(code: str) -> Any:
    """The unit's QR code as SVG."""
    link, _name = _unit_link(code)
    return _download(qr.qr_svg(link), "image/svg+xml", f"rating-{code}.svg")


@bp.get("/units/<code>/qr.png")
@login_required
@permission_required(Permission.RUN_CYCLE)
def qr_png(code: str) -> Any:
    """The unit's QR code as PNG."""
    link, _name = _unit_link(code)
    return _download(qr.qr_png(link), "image/png", f"rating-{code}.png")


@bp.get("/units/<code>/poster.pdf")
@login_required
@permission_required(Permission.RUN_CYCLE)
def poster(code: str) -> Any:
    """The unit's A4 poster: name, QR code, one line of instructions."""
    link, name = _unit_link(code)
    return _download(qr.poster_pdf(link, name), "application/pdf", f"rating-{code}.pdf")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/devices", methods=["GET", "POST"])
@login_required
@permission_required(Permission.RUN_CYCLE)
def devices() -> Any:
    """Service-desk devices; issuing one shows its key once."""
    session = db_session()
    issued_key, errors, status = None, {}, 200
    if request.method == "POST":
        try:
            _device, issued_key = issue_device_key(
                session, actor=current_actor(), name=request.form.get("name", ""), now=utcnow()
            )
            session.commit()
        except DomainError as error:
            session.rollback()
            errors, status = {"name": error.message}, error.status
    listed = session.execute(select(RatingDevice).order_by(RatingDevice.id)).scalars().all()
    return render_template(
        "ratings/devices.html",
        devices=listed,
        issued_key=issued_key,
        errors=errors,
        form=request.form,
        title=_("Service-desk rating devices"),
    ), status


@bp.post("/devices/<int:device_id>/withdraw")
@login_required
@permission_required(Permission.RUN_CYCLE)
def withdraw(device_id: int) -> Any:
    """Withdraw a device whose key is lost or no longer in use (audited)."""
    session = db_session()
    withdraw_device(session, actor=current_actor(), device_id=device_id, now=utcnow())
    session.commit()
    return redirect(url_for(".devices"))
