"""The request edge: who is acting, and guards for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import request
from flask_login import UserMixin, current_user
from flask_login import login_required as _login_required

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Permission
from app.auth.services import actor_for, require

F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):  # type: ignore[misc]
    """The signed-in user as Flask-Login sees it, with the actor for services."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.actor = actor_for(user)

    def can(self, permission: str) -> bool:
        """Whether the user's roles carry `permission` (for templates)."""
        return self.actor.can(Permission(permission))


def client_addr() -> str | None:
    """The client's address (proxy headers are honoured only when configured)."""
    return request.remote_addr


def current_actor() -> Actor:
    """The signed-in user as an actor, with the client address."""
    signed_in = cast(SessionUser, current_user)
    actor = signed_in.actor
    return Actor(actor.user_id, actor.name, actor.grants, client_addr())


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Refuse the view (403, audited) unless the signed-in user holds `permission`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(current_actor(), permission)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def login_required(view: F) -> F:
    """Send anonymous visitors to the sign-in page (Flask-Login's decorator, typed)."""
    return cast(F, _login_required(view))


def unit_filter() -> str | None:
    """The `?unit=CODE` a list page is narrowed to (upper case), or None for every unit."""
    code = request.args.get("unit", "").strip().upper()[:16]
    return code or None
