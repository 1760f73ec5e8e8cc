"""Sign in, sign out, change password, choose the language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.audit.services import record
from app.auth.forms import ChangePasswordForm, SignInForm
from app.auth.services import authenticate, change_password, password_expired
from app.auth.sessions import ServerSession
from app.db import utcnow
from app.errors import AuthenticationFailed, InvalidInput
from app.extensions import db, db_session, limiter
from app.web.context import SessionUser, client_addr, current_actor, login_required

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if not target:
        return url_for("web.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: str(current_app.config["LOGIN_RATE_LIMIT"]), methods=["POST"])
def login() -> Any:
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    now = utcnow()
    try:
        user = authenticate(
            db_session(), form.username.data, form.password.data, now=now, client_addr=client_addr()
        )
    except AuthenticationFailed as failure:
        db.session.commit()  # keep the failure count and its audit entry
        form.password.errors.append(failure.message)
        return render_template("auth/login.html", form=form), 401
    db.session.commit()
    login_user(SessionUser(user))
    if isinstance(session, ServerSession):
        session.rotate()
    if password_expired(user, now):
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Sign out; the server forgets the session, so the cookie is worthless from now on."""
    record(
        db_session(),
        actor=current_actor(),
        action="auth.sign_out",
        object_type="user",
        object_id=current_user.id,
    )
    db.session.commit()
    logout_user()
    if isinstance(session, ServerSession):
        session.end()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_page() -> Any:
    """Change one's own password (forced at first sign-in and after 90 days)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(
                db_session(),
                actor=current_actor(),
                user=current_user.user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                now=utcnow(),
                keep_session_id=getattr(session, "row_id", None),
            )
        except InvalidInput as error:
            db.session.rollback()
            for field, messages in (error.details or {}).items():
                getattr(form, field).errors.extend(messages)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("web.dashboard"))
    return render_template("auth/password.html", form=form)


def _referrer_path() -> str | None:
    return urlsplit(request.referrer).path if request.referrer else None


@bp.get("/language/<code>")
def choose_language(code: str) -> Any:
    """Switch between zh-CN and English for this session."""
    if code in ("zh_CN", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next") or _referrer_path()))
