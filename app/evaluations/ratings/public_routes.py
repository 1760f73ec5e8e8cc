"""The public rating page behind each unit's QR code: no sign-in, works without JavaScript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.db import utcnow
from app.errors import AccessDenied, Conflict, InvalidInput
from app.evaluations.ratings import identity
from app.evaluations.ratings.models import Channel, Level
from app.evaluations.ratings.rules import rules_from
from app.evaluations.ratings.services import (
    Rater,
    RatingInput,
    device_for_key,
    rated_today,
    submit_rating,
    unit_for_token,
)
from app.extensions import csrf, db_session, limiter
from app.org.models import Unit

bp = Blueprint("ratings", __name__, template_folder="templates")

LEVEL_CHOICES = list(Level)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _cookie_name() -> str:
    secure = current_app.config.get("SESSION_COOKIE_SECURE", True)
    return "__Host-jx_rater" if secure else "jx_rater"


def _cookie_device_id() -> str | None:
    return identity.device_id_from_cookie(_secret(), request.cookies.get(_cookie_name()))


def _device_hash(device_id: str) -> str:
    return identity.keyed_hash(_secret(), "device", device_id)


def _desk_key() -> str:
    return (request.headers.get("X-Device-Key") or request.form.get("device_key") or "").strip()


def _unit_limit_key() -> str:
    return f"rate-unit:{(request.view_args or {}).get('token', '')}"


def _device_limit_key() -> str:
    return f"rate-device:{_desk_key() or request.cookies.get(_cookie_name(), '')}"


def _limit(name: str, default: str) -> Any:
    return lambda: str(current_app.config.get(name, default))


def _page(unit: Unit, device_id: str, *, status: int = 200, **context: Any) -> Any:
    context.setdefault("errors", {})
    context.setdefault("form", {})
    body = render_template(
        "ratings/rate.html",
        unit=unit,
        levels=LEVEL_CHOICES,
        form_token=identity.form_token(_secret(), device_id, unit.rating_token),
        comment_max=rules_from(current_app.config).comment_max,
        **context,
    )
    response = current_app.make_response((body, status))
    response.set_cookie(
        _cookie_name(),
        identity.sign_device_id(_secret(), device_id),
        max_age=identity.DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", True)),
        samesite="Lax",
        path="/",
    )
    return response


@bp.get("/rate/<token>")
def rate(token: str) -> Any:
    """The rating form for the unit behind `token` (or a note that this device rated today)."""
    session = db_session()
    unit = unit_for_token(session, token)
    device_id = _cookie_device_id() or identity.new_device_id()
    done = rated_today(session, unit, _device_hash(device_id), utcnow())
    return _page(unit, device_id, already=done)


def _rater_for(unit: Unit) -> Rater:
    """The keyed identity of the poster: a service-desk device by its key, else the device
    cookie, whose id the hidden form token must match."""
    client_hash = identity.keyed_hash(_secret(), "client", request.remote_addr or "")
    key = _desk_key()
    if key:
        device = device_for_key(db_session(), key)
        if device is None:
            raise AccessDenied(_("This rating device is not registered or has been withdrawn."))
        device_hash = identity.keyed_hash(_secret(), "desk", str(device.id))
        return Rater(device_hash, client_hash, Channel.DESK, device.id)
    device_id = _cookie_device_id()
    token = request.form.get("form_token")
    if device_id is None or not identity.form_token_matches(
        _secret(), token, device_id, unit.rating_token
    ):
        raise InvalidInput(
            _("The form has expired or cookies are switched off. Reload the page and rate again."),
            details=[{"path": "form_token", "message": "stale"}],
        )
    return Rater(_device_hash(device_id), client_hash)


@bp.post("/rate/<token>")
@limiter.limit(_limit("RATING_LIMIT_PER_CLIENT", "30 per minute"), key_func=get_remote_address)
@limiter.limit(_limit("RATING_LIMIT_PER_UNIT", "600 per minute"), key_func=_unit_limit_key)
@limiter.limit(_limit("RATING_LIMIT_PER_DEVICE", "20 per minute"), key_func=_device_limit_key)
def rate_post(token: str) -> Any:
    """Take a rating: 303 to the thanks page; 409 from the same device the same day; 422 with
    the message next to the field (the comment kept)."""
    session = db_session()
    unit = unit_for_token(session, token)
    known_device = None if _desk_key() else _cookie_device_id()
    if known_device and rated_today(session, unit, _device_hash(known_device), utcnow()):
        return _page(unit, known_device, status=409, already=True)
    try:
        rater = _rater_for(unit)
        submit_rating(
            session,
            unit=unit,
            rater=rater,
            form=RatingInput(
                level=request.form.get("level"),
                comment=request.form.get("comment", ""),
                contact=request.form.get("contact", ""),
            ),
            rules=rules_from(current_app.config),
            now=utcnow(),
        )
    except (Conflict, InvalidInput) as error:
        session.rollback()
        return _refusal_page(unit, error)
    session.commit()
    return redirect(url_for("ratings.thanks", token=token), code=303)


def _refusal_page(unit: Unit, error: Conflict | InvalidInput) -> Any:
    """The form again: 409 rated today, 400 a stale form, 422 the messages by their fields."""
    device_id = _cookie_device_id() or identity.new_device_id()
    if isinstance(error, Conflict):
        return _page(unit, device_id, status=409, already=True)
    errors = {d["path"]: d["message"] for d in error.details or []}
    if "form_token" in errors:
        return _page(unit, device_id, status=400, stale=error.message, form=request.form)
    return _page(unit, device_id, status=422, errors=errors, form=request.form)


@bp.get("/rate/<token>/thanks")
def thanks(token: str) -> Any:
    """Thanks, and what happens next."""
    unit = unit_for_token(db_session(), token)
    return render_template("ratings/thanks.html", unit=unit)


csrf.exempt(rate_post)  # its own form token binds the page to the device cookie
