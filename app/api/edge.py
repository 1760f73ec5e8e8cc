"""Bearer-token authentication and JSON body parsing for API handlers."""

from __future__ import annotations

import re
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
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


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


def _out_of_range(name: str, low: int, high: int) -> MalformedRequest:
    message = _(
        "%(name)s must be a whole number from %(low)s to %(high)s.", name=name, low=low, high=high
    )
    return MalformedRequest(message, details={"field": name})


def query_int(name: str, default: int, low: int, high: int) -> int:
    """The query parameter `name` as an integer in [low, high], or a 400 naming it."""
    text = request.args.get(name)
    if text is None:
        return default
    value = int(text) if _WHOLE_NUMBER.fullmatch(text) else None
    if value is None or not low <= value <= high:
        raise _out_of_range(name, low, high)
    return value


def query_text(name: str, max_length: int) -> str | None:
    """The query parameter `name`, at most `max_length` characters, or a 400 naming it."""
    text = request.args.get(name)
    if text is not None and len(text) > max_length:
        raise MalformedRequest(
            _("%(name)s is longer than %(max)s characters.", name=name, max=max_length),
            details={"field": name},
        )
    return text


def query_flag(name: str) -> bool:
    """The query parameter `name` as a boolean (1/true or 0/false; absent is false), or a 400."""
    text = request.args.get(name)
    if text is None or text in ("0", "false"):
        return False
    if text in ("1", "true"):
        return True
    raise MalformedRequest(
        _("%(name)s must be 1, 0, true or false.", name=name), details={"field": name}
    )


def body_int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    """The optional integer `name` of a JSON body, in [low, high], or a 400 naming it."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():  # JSON Schema: 2.0 is an integer
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _out_of_range(name, low, high)
    return value


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
