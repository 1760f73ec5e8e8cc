"""Bearer-token authentication and JSON body parsing for API handlers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from flask_babel import gettext as _

from app.auth.actor import Actor
from app.auth.tokens import holder_of_token
from app.db import utcnow
from app.errors import AuthenticationFailed, DomainError
from app.extensions import db_session

F = TypeVar("F", bound=Callable[..., Any])


class MalformedRequest(DomainError):
    """The body is not the JSON object the call expects."""

    status = 400
    code = "malformed"


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise MalformedRequest(_("The request body must be a JSON object."))
    return body


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_required(view: F) -> F:
    """Authenticate the call with its bearer token; sets `g.api_actor` and `g.api_token_id`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        raw = _bearer_token()
        holder = (
            holder_of_token(db_session(), raw, now=utcnow(), client_addr=request.remote_addr)
            if raw
            else None
        )
        if holder is None:
            raise AuthenticationFailed(_("A valid bearer token is required."))
        g.api_token_id = holder.token_id
        g.api_actor = holder.actor
        return view(*args, **kwargs)

    return cast(F, wrapped)


def api_actor() -> Actor:
    """The actor of the current authenticated API call."""
    return cast(Actor, g.api_actor)


def api_token_id() -> int:
    """The id of the token the current call was made with."""
    return cast(int, g.api_token_id)
