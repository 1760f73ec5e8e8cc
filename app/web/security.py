"""Security headers on every response, and the sign-in and password-change guards."""

from __future__ import annotations

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.auth.services import password_expired
from app.db import utcnow
from app.extensions import db, login_manager
from app.web.context import SessionUser

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # bpmn-js and Bootstrap set inline style attributes on elements they draw.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

# Endpoints a user whose password must change can still reach.
_PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "static", "vendor.asset"}


def _load_user(user_id: str) -> SessionUser | None:
    from app.auth.models import User  # noqa: PLC0415

    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    return SessionUser(user)


def _unauthorized() -> Response:
    if getattr(session, "was_expired", False):
        flash(_("Your session has ended. Please sign in again."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]


def _force_password_change() -> Response | None:
    if not current_user.is_authenticated or request.endpoint in _PASSWORD_CHANGE_ENDPOINTS:
        return None
    if request.blueprint == "api":
        return None
    if password_expired(current_user.user, utcnow()):
        flash(_("Please choose a new password before you continue."), "warning")
        return redirect(url_for("auth.change_password"))  # type: ignore[return-value]
    return None


def _refuse_foreign_origin() -> None:
    """A page's form posted from another site is refused even with a valid token (S12); the
    host is the one a trusted proxy forwarded (ProxyFix). The API uses bearer tokens instead."""
    if request.method in _SAFE_METHODS or request.blueprint == "api":
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        raise CSRFError(_("The form did not come from this site."))


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.blueprint == "api" or current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


def register_security(app: Flask) -> None:
    """Install the user loader, guards and header hook."""
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = None  # the server-side session is rotated at sign-in
    app.before_request(_refuse_foreign_origin)
    app.before_request(_force_password_change)
    app.after_request(_add_headers)
