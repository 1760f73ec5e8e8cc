"""Error responses: JSON under /api/, pages elsewhere; refusals are audited; never a stack trace."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.audit.services import record
from app.auth.actor import Actor
from app.errors import AccessDenied, DomainError, HiddenFromActor
from app.extensions import db, db_session

log = logging.getLogger(__name__)


def _rollback() -> None:
    """Discard the failed request's work; a dead connection must not turn into a second error."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback failed", exc_info=True)


def wants_json() -> bool:
    """API calls get JSON errors; pages get HTML."""
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, details: Any = None) -> Any:
    """One error shape for the API (CONTRACT) and an error page for browsers."""
    if wants_json():
        body = {"error": {"code": code, "message": message, "details": details}}
        return jsonify(body), status
    return render_template("web/error.html", status=status, message=message), status


def _acting_user() -> Actor:
    actor: Actor | None = g.get("api_actor")
    if actor is not None:
        return actor
    from flask_login import current_user  # noqa: PLC0415

    from app.web.context import current_actor  # noqa: PLC0415

    if current_user.is_authenticated:
        return current_actor()
    return Actor(None, "anonymous", client_addr=request.remote_addr)


def audit_denial(error: DomainError) -> None:
    """Write the refusal to the audit trail in its own transaction."""
    _rollback()
    record(
        db_session(),
        actor=_acting_user(),
        action="access.denied",
        object_type="endpoint",
        object_id=request.endpoint,
        after={"method": request.method, "path": request.path[:200], "reason": error.message},
    )
    db.session.commit()


def _domain_error(error: DomainError) -> Any:
    if isinstance(error, AccessDenied | HiddenFromActor):
        audit_denial(error)
    else:
        _rollback()
    return error_response(error.status, error.code, error.message, error.details)


def _csrf_error(error: CSRFError) -> Any:
    _rollback()
    message = _(
        "The form has expired or did not come from this site. Reload the page and try again."
    )
    return error_response(400, "csrf", message)


def _http_error(error: HTTPException) -> Any:
    _rollback()
    status = error.code or 500
    code = (error.name or "error").lower().replace(" ", "_")
    messages = {
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
    }
    body, status = error_response(status, code, messages.get(status, error.description or code))
    # The error's own headers stay: Allow on a 405 (RFC 9110), Retry-After, WWW-Authenticate.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def _stale(error: StaleDataError) -> Any:
    _rollback()
    return error_response(
        409, "conflict", _("Someone else changed this at the same time. Reload and try again.")
    )


def _database_down(error: OperationalError) -> Any:
    _rollback()
    log.warning("database unavailable: %s", error.__class__.__name__)
    response = error_response(
        503, "unavailable", _("The database is unavailable. Please try again shortly.")
    )
    return response


def _unexpected(error: Exception) -> Any:
    _rollback()
    request_id = secrets.token_hex(6)
    log.exception("unhandled error, request id %s", request_id, exc_info=error)
    message = _(
        "Something went wrong on our side. Quote request id %(id)s to support.", id=request_id
    )
    return error_response(500, "internal", message, {"request_id": request_id})


def register_error_handlers(app: Flask) -> None:
    """Map domain errors, CSRF failures and HTTP errors to responses."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(Exception, _unexpected)
