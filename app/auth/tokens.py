"""API bearer tokens: issued at sign-in, stored only as SHA-256 hashes, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor, RoleScope
from app.auth.models import ApiToken, RoleGrant, User
from app.auth.roles import Permission
from app.auth.services import actor_for, require


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(session: Session, *, user: User, now: datetime, client_addr: str | None) -> str:
    """A new bearer token for `user`; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    lifetime: timedelta = current_app.config["API_TOKEN_LIFETIME"]
    token = ApiToken(
        user_id=user.id, token_hash=_token_digest(raw), created_at=now, expires_at=now + lifetime
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=actor_for(user, client_addr),
        action="token.issue",
        object_type="api_token",
        object_id=token.id,
        now=now,
    )
    return raw


@dataclass(frozen=True)
class TokenHolder:
    """Who a bearer token stands for."""

    token_id: int
    actor: Actor


_TOKENS = cast(Table, ApiToken.__table__)
_USERS = cast(Table, User.__table__)
_GRANTS = cast(Table, RoleGrant.__table__)

# Every API call runs this: a Core statement built once (its cache key is computed once, and no
# ORM entity is loaded). Nothing is cached across calls, so a revocation counts at once.
_LIVE_TOKEN_HOLDER = (
    select(_TOKENS.c.id, _USERS.c.id, _USERS.c.username, _GRANTS.c.role, _GRANTS.c.unit_id)
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .outerjoin(_GRANTS, _GRANTS.c.user_id == _USERS.c.id)
    .where(
        _TOKENS.c.token_hash == bindparam("token_hash"),
        _TOKENS.c.revoked_at.is_(None),
        _TOKENS.c.expires_at > bindparam("now", type_=_TOKENS.c.expires_at.type),
        _USERS.c.is_active.is_(True),
    )
)


def holder_of_token(
    session: Session, raw: str, *, now: datetime, client_addr: str | None
) -> TokenHolder | None:
    """The live token's holder with their roles, in one query; None if unknown, expired, revoked
    or the account is disabled."""
    rows = (
        session.connection()
        .execute(_LIVE_TOKEN_HOLDER, {"token_hash": _token_digest(raw), "now": now})
        .all()
    )
    if not rows:
        return None
    token_id, user_id, username = rows[0][0], rows[0][1], rows[0][2]
    grants = frozenset(RoleScope(role, unit_id) for *_, role, unit_id in rows if role is not None)
    return TokenHolder(token_id, Actor(user_id, username, grants, client_addr))


def revoke_api_token(session: Session, *, actor: Actor, token_id: int, now: datetime) -> None:
    """End a token; its holder or a security administrator may do it."""
    token = session.get(ApiToken, token_id)
    if token is None:
        return
    if actor.user_id != token.user_id:
        require(actor, Permission.GRANT_ROLES)
    token.revoked_at = now
    record(
        session,
        actor=actor,
        action="token.revoke",
        object_type="api_token",
        object_id=token.id,
        now=now,
    )
