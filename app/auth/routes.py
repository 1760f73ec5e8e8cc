"""Sign in, sign out, change password, choose the language."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
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
from app.auth.forms import ChangePasswordForm, MfaCodeForm, SignInForm
from app.auth.mfa import (
    check_second_factor,
    confirm_enrolment,
    credential_of,
    mfa_required,
    provisioning_uri,
    qr_svg,
    reset_mfa,
    start_enrolment,
)
from app.auth.models import User
from app.auth.roles import Permission
from app.auth.services import authenticate, change_password, password_expired
from app.auth.sessions import ServerSession
from app.db import utcnow
from app.errors import AuthenticationFailed, Conflict, InvalidInput
from app.extensions import db, db_session, limiter
from app.web.context import (
    SessionUser,
    client_addr,
    current_actor,
    login_required,
    permission_required,
)

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
    next_path = _safe_next(request.args.get("next"))
    if mfa_required(user):
        # Only the password is proven: the session is not signed in until the second factor.
        session[_MFA_PENDING] = {"user_id": user.id, "since": now.isoformat(), "next": next_path}
        if isinstance(session, ServerSession):
            session.rotate()
        return redirect(url_for("auth.mfa"))
    return _signed_in(user, now, next_path)


_MFA_PENDING = "mfa_pending"
_MFA_PENDING_LIFETIME = timedelta(minutes=5)


def _signed_in(user: User, now: datetime, next_path: str) -> Any:
    login_user(SessionUser(user))
    if isinstance(session, ServerSession):
        session.rotate()
    if password_expired(user, now):
        return redirect(url_for("auth.change_password"))
    return redirect(next_path)


def _pending_user(now: datetime) -> User | None:
    """The user who gave the right password in this session a moment ago, if any."""
    pending = session.get(_MFA_PENDING)
    if not isinstance(pending, dict):
        return None
    if now - datetime.fromisoformat(pending["since"]) > _MFA_PENDING_LIFETIME:
        session.pop(_MFA_PENDING, None)
        return None
    user = db_session().get(User, pending["user_id"])
    return user if user is not None and user.is_active else None


def _finish_second_factor(user: User, now: datetime) -> Any:
    pending = session.pop(_MFA_PENDING)
    return _signed_in(user, now, pending["next"])


@bp.route("/login/mfa", methods=["GET", "POST"])
@limiter.limit(lambda: str(current_app.config["LOGIN_RATE_LIMIT"]), methods=["POST"])
def mfa() -> Any:
    """The second sign-in step: a code from the authenticator app or a recovery code."""
    now = utcnow()
    user = _pending_user(now)
    if user is None:
        return redirect(url_for("auth.login"))
    if credential_of(db_session(), user) is None:
        return redirect(url_for("auth.mfa_setup"))
    form = MfaCodeForm()
    if not form.validate_on_submit():
        return render_template("auth/mfa.html", form=form)
    try:
        check_second_factor(
            db_session(), user=user, code=form.code.data, now=now, client_addr=client_addr()
        )
    except AuthenticationFailed as failure:
        db.session.commit()  # keep the failure count, the lock and the audit entry
        if user.locked_until is not None and user.locked_until > now:
            session.pop(_MFA_PENDING, None)
        form.code.errors.append(failure.message)
        return render_template("auth/mfa.html", form=form), 401
    db.session.commit()
    return _finish_second_factor(user, now)


@bp.route("/login/mfa/setup", methods=["GET", "POST"])
@limiter.limit(lambda: str(current_app.config["LOGIN_RATE_LIMIT"]), methods=["POST"])
def mfa_setup() -> Any:
    """First sign-in of a role that needs two-step verification: scan the QR code, confirm."""
    now = utcnow()
    user = _pending_user(now)
    if user is None:
        return redirect(url_for("auth.login"))
    try:
        credential = start_enrolment(db_session(), user=user, now=now)
    except Conflict:
        return redirect(url_for("auth.mfa"))
    db.session.commit()
    form = MfaCodeForm()
    uri = provisioning_uri(credential, user.username)
    page = {"form": form, "qr": qr_svg(uri), "secret": credential.secret}
    if not form.validate_on_submit():
        return render_template("auth/mfa_setup.html", **page)
    try:
        codes = confirm_enrolment(
            db_session(), user=user, code=form.code.data, now=now, client_addr=client_addr()
        )
    except InvalidInput as error:
        db.session.rollback()
        form.code.errors.extend(error.details["code"])
        return render_template("auth/mfa_setup.html", **page), 422
    db.session.commit()
    next_url = _finish_second_factor(user, now).headers["Location"]
    return render_template("auth/mfa_recovery.html", codes=codes, next_url=next_url)


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


@bp.post("/admin/users/<int:user_id>/mfa-reset")
@login_required
@permission_required(Permission.GRANT_ROLES)
def mfa_reset(user_id: int) -> Any:
    """The security administrator removes a lost second factor; the user enrols again."""
    user = db.session.get(User, user_id) or abort(404)
    if reset_mfa(db_session(), actor=current_actor(), user=user, now=utcnow()):
        db.session.commit()
        flash(
            _(
                "Two-step verification of %(name)s was reset; they set it up again "
                "at their next sign-in.",
                name=user.username,
            ),
            "success",
        )
    else:
        flash(_("%(name)s has no two-step verification to reset.", name=user.username), "info")
    return redirect(url_for("admin.roles"))


def _referrer_path() -> str | None:
    return urlsplit(request.referrer).path if request.referrer else None


@bp.get("/language/<code>")
def choose_language(code: str) -> Any:
    """Switch between zh-CN and English for this session."""
    if code in ("zh_CN", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next") or _referrer_path()))
