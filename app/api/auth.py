"""POST /auth/token (sign in), DELETE /auth/token (revoke), GET /me."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.edge import MalformedRequest, api_actor, api_token_id, json_body, token_required
from app.auth.mfa import check_second_factor, credential_of, mfa_required
from app.auth.models import User
from app.auth.services import authenticate, password_expired
from app.auth.tokens import issue_api_token, revoke_api_token
from app.db import utcnow
from app.errors import AccessDenied, AuthenticationFailed, InvalidInput
from app.extensions import db, db_session, limiter
from app.org.services import units_by_id


@bp.post("/auth/token")
@limiter.limit(lambda: str(current_app.config["LOGIN_RATE_LIMIT"]))
def create_token() -> Any:
    """Exchange a user name and password for a bearer token."""
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise MalformedRequest(
            _("Send a user name and a password as strings."),
            details={"fields": ["username", "password"]},
        )
    now = utcnow()
    try:
        user = authenticate(
            db_session(), username, password, now=now, client_addr=request.remote_addr
        )
    except AuthenticationFailed:
        db.session.commit()  # keep the failure count and its audit entry
        raise
    if mfa_required(user):
        _check_otp(user, body.get("otp"), now)
    if password_expired(user, now):
        db.session.commit()
        raise InvalidInput(
            _("The password must be changed in the browser before using the API."),
            details={"password": ["expired"]},
        )
    raw = issue_api_token(db_session(), user=user, now=now, client_addr=request.remote_addr)
    db.session.commit()
    return jsonify(
        {
            "token": raw,
            "token_type": "Bearer",
            "expires_in": int(current_app.config["API_TOKEN_LIFETIME"].total_seconds()),
        }
    )


def _check_otp(user: User, otp: object, now: datetime) -> None:
    """Roles that need two-step verification send the app's code (or a recovery code) as `otp`."""
    if credential_of(db_session(), user) is None:
        db.session.commit()
        raise AccessDenied(
            _("Set up two-step verification in the browser before using the API."),
            details={"otp": ["not_enrolled"]},
        )
    try:
        check_second_factor(
            db_session(),
            user=user,
            code=otp if isinstance(otp, str) else "",
            now=now,
            client_addr=request.remote_addr,
        )
    except AuthenticationFailed:
        db.session.commit()
        raise


@bp.delete("/auth/token")
@token_required
def delete_token() -> Any:
    """Revoke the token this call is made with."""
    revoke_api_token(db_session(), actor=api_actor(), token_id=api_token_id(), now=utcnow())
    db.session.commit()
    return "", 204


@bp.get("/me")
@token_required
def me() -> Any:
    """The caller's account and roles."""
    actor = api_actor()
    units = units_by_id(db_session(), (g.unit_id for g in actor.grants))
    roles = [
        {"role": g.role.value, "unit_code": units[g.unit_id].code if g.unit_id else None}
        for g in actor.grants
    ]
    return jsonify(
        {
            "username": actor.name,
            "roles": sorted(roles, key=lambda r: (r["role"], r["unit_code"] or "")),
        }
    )
