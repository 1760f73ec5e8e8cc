"""Accounts: sign-in with lockout, passwords, role grants (three-admin separation), tokens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor, RoleScope
from app.auth.models import ApiToken, RoleGrant, User, WebSession
from app.auth.passwords import (
    HashPolicy,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from app.auth.roles import ADMIN_ROLES, UNIT_ROLES, Permission, Role
from app.errors import AccessDenied, AuthenticationFailed, Conflict, InvalidInput
from app.org.models import Unit

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
SIGN_IN_FAILED = "sign_in_failed"


def require(actor: Actor, permission: Permission) -> None:
    """Refuse unless the actor holds a role with `permission`."""
    if not actor.can(permission):
        raise AccessDenied(_("You are not allowed to do this."), details={"needs": permission})


def actor_for(user: User, client_addr: str | None = None) -> Actor:
    """The actor a signed-in user acts as."""
    grants = frozenset(RoleScope(g.role, g.unit_id) for g in user.grants)
    return Actor(user.id, user.username, grants, client_addr)


def hash_policy() -> HashPolicy:
    """The configured password hashing (PASSWORD_HASH: argon2id or pbkdf2-sm3)."""
    config = current_app.config
    return HashPolicy(
        config["PASSWORD_HASH"],
        config["ARGON2_TIME_COST"],
        config["ARGON2_MEMORY_COST"],
        config["SM3_ITERATIONS"],
    )


def _hash(password: str) -> str:
    return hash_password(password, hash_policy())


def _dummy_hash() -> str:
    dummy: str | None = current_app.extensions.get("jixiao_dummy_hash")
    if dummy is None:
        dummy = _hash(secrets.token_urlsafe(16))
        current_app.extensions["jixiao_dummy_hash"] = dummy
    return dummy


def _failure_message() -> str:
    return str(
        _(
            "Wrong user name or password, or the account is locked. "
            "After %(n)d failed attempts an account is locked for %(m)d minutes.",
            n=current_app.config["LOGIN_MAX_FAILURES"],
            m=int(current_app.config["LOGIN_LOCK_DURATION"].total_seconds() // 60),
        )
    )


def authenticate(
    session: Session, username: str, password: str, *, now: datetime, client_addr: str | None
) -> User:
    """The user whose credentials these are; otherwise count the failure and raise.

    Unknown users, wrong passwords and locked accounts get the same message and cost the same
    hashing time, so neither reveals which accounts exist.
    """
    user = session.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()
    password_ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    if user is None or not user.is_active or locked or not password_ok:
        _record_failure(session, user, username, now=now, client_addr=client_addr, locked=locked)
        raise AuthenticationFailed(_failure_message(), details={"reason": SIGN_IN_FAILED})
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash, hash_policy()):  # the site switched schemes
        user.password_hash = _hash(password)
    record(
        session,
        actor=actor_for(user, client_addr),
        action="auth.sign_in",
        object_type="user",
        object_id=user.id,
        now=now,
    )
    return user


def _record_failure(
    session: Session,
    user: User | None,
    username: str,
    *,
    now: datetime,
    client_addr: str | None,
    locked: bool,
) -> None:
    after: dict[str, object] = {"username": username[:64], "already_locked": locked}
    if user is not None and not locked:
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + current_app.config["LOGIN_LOCK_DURATION"]
            user.failed_logins = 0
            after["locked_until"] = user.locked_until
    record(
        session,
        actor=Actor(None, username[:64] or "?", client_addr=client_addr),
        action="auth.sign_in_failed",
        object_type="user",
        object_id=user.id if user else None,
        after=after,
        now=now,
    )


def password_expired(user: User, now: datetime) -> bool:
    """Whether the user must choose a new password before doing anything else."""
    if user.is_demo:
        return False
    too_old = now - user.password_changed_at > current_app.config["PASSWORD_MAX_AGE"]
    return user.must_change_password or too_old


def check_password_policy(password: str, username: str) -> None:
    """Raise InvalidInput with every problem of `password` under the policy."""
    problems = password_problems(
        password, username=username, min_length=current_app.config["PASSWORD_MIN_LENGTH"]
    )
    if problems:
        raise InvalidInput(" ".join(problems), details={"password": problems})


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
    is_demo: bool = False,
) -> User:
    """A new account with no roles; it must change its password at first sign-in."""
    if not actor.is_system:
        require(actor, Permission.MANAGE_USERS)
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            _(
                "3–64 characters: lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter."
            ),
            details={"username": [_("Invalid user name.")]},
        )
    if session.execute(select(User.id).where(User.username == username)).first():
        message = _("The user name %(name)s is taken.", name=username)
        raise InvalidInput(message, details={"username": [message]})
    if not display_name.strip():
        raise InvalidInput(_("A name is required."), details={"display_name": [_("Required.")]})
    check_password_policy(password, username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=_hash(password),
        password_changed_at=now,
        must_change_password=not is_demo,
        is_demo=is_demo,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after={"username": username, "display_name": user.display_name, "is_demo": is_demo},
        now=now,
    )
    return user


def end_all_sessions(session: Session, user: User, *, keep_session_id: str | None = None) -> None:
    """Sign the user out everywhere (browser sessions and API tokens), but for one session."""
    query = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session_id:
        query = query.where(WebSession.id != keep_session_id)
    session.execute(query)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def change_password(
    session: Session,
    *,
    actor: Actor,
    user: User,
    current_password: str,
    new_password: str,
    now: datetime,
    keep_session_id: str | None = None,
) -> None:
    """Replace the user's own password after checking the current one and the policy."""
    if actor.user_id != user.id:
        raise AccessDenied(_("You can only change your own password."))
    if not verify_password(user.password_hash, current_password):
        message = _("The current password is wrong.")
        raise InvalidInput(message, details={"current_password": [message]})
    if current_password == new_password:
        message = _("Choose a password different from the current one.")
        raise InvalidInput(message, details={"new_password": [message]})
    try:
        check_password_policy(new_password, user.username)
    except InvalidInput as error:
        raise InvalidInput(
            error.message, details={"new_password": error.details["password"]}
        ) from None
    user.password_hash = _hash(new_password)
    user.password_changed_at = now
    user.must_change_password = False
    end_all_sessions(session, user, keep_session_id=keep_session_id)
    record(
        session,
        actor=actor,
        action="user.password_change",
        object_type="user",
        object_id=user.id,
        now=now,
    )


def set_user_active(
    session: Session, *, actor: Actor, user: User, active: bool, now: datetime
) -> None:
    """Enable or disable an account; disabling signs it out everywhere."""
    require(actor, Permission.MANAGE_USERS)
    if actor.user_id == user.id:
        raise AccessDenied(_("You cannot disable your own account."))
    before = user.is_active
    user.is_active = active
    if not active:
        end_all_sessions(session, user)
    record(
        session,
        actor=actor,
        action="user.set_active",
        object_type="user",
        object_id=user.id,
        before={"is_active": before},
        after={"is_active": active},
        now=now,
    )


def unlock_user(session: Session, *, actor: Actor, user: User, now: datetime) -> None:
    """Lift the lock that failed sign-ins put on an account."""
    require(actor, Permission.MANAGE_USERS)
    before = {"locked_until": user.locked_until, "failed_logins": user.failed_logins}
    user.locked_until = None
    user.failed_logins = 0
    record(
        session,
        actor=actor,
        action="user.unlock",
        object_type="user",
        object_id=user.id,
        before=before,
        after={"locked_until": None, "failed_logins": 0},
        now=now,
    )


def reset_password(
    session: Session, *, actor: Actor, user: User, temporary_password: str, now: datetime
) -> None:
    """Give the account a temporary password, to be changed at its next sign-in; it is signed
    out everywhere and unlocked. An administrator never resets their own password this way."""
    require(actor, Permission.MANAGE_USERS)
    if actor.user_id == user.id:
        raise AccessDenied(_("Change your own password on the password page."))
    check_password_policy(temporary_password, user.username)
    user.password_hash = _hash(temporary_password)
    user.password_changed_at = now
    user.must_change_password = True
    user.locked_until = None
    user.failed_logins = 0
    end_all_sessions(session, user)
    record(
        session,
        actor=actor,
        action="user.password_reset",
        object_type="user",
        object_id=user.id,
        after={"must_change_password": True},
        now=now,
    )


def _check_separation(user: User, role: Role) -> None:
    held = {grant.role for grant in user.grants}
    if role in ADMIN_ROLES and held - {role}:
        raise AccessDenied(
            _(
                "An administrator account holds no other role "
                "(separation of the three administrators)."
            ),
            details={"held": sorted(held), "requested": role},
        )
    if role not in ADMIN_ROLES and held & ADMIN_ROLES:
        raise AccessDenied(
            _("An administrator account cannot do business work."),
            details={"held": sorted(held), "requested": role},
        )


def grant_role(
    session: Session, *, actor: Actor, user: User, role: Role, unit: Unit | None, now: datetime
) -> RoleGrant:
    """Give `user` a role, scoped to `unit` for unit roles; the security administrator's job."""
    if not actor.is_system:
        require(actor, Permission.GRANT_ROLES)
        if actor.user_id == user.id:
            raise AccessDenied(_("Nobody can grant roles to themselves."))
    if (role in UNIT_ROLES) != (unit is not None):
        message = _("Unit roles need a unit; other roles take none.")
        raise InvalidInput(message, details={"unit": [message]})
    _check_separation(user, role)
    unit_id = unit.id if unit else None
    if any(g.role == role and g.unit_id == unit_id for g in user.grants):
        raise Conflict(_("The user already holds this role."))
    grant = RoleGrant(role=role, unit_id=unit_id, granted_by_id=actor.user_id, granted_at=now)
    user.grants.append(grant)
    session.flush()
    record(
        session,
        actor=actor,
        action="role.grant",
        object_type="user",
        object_id=user.id,
        after={"role": role, "unit_id": unit_id},
        now=now,
    )
    return grant


def revoke_role(session: Session, *, actor: Actor, grant: RoleGrant, now: datetime) -> None:
    """Take a role away; the user's sessions end so the change applies at once."""
    require(actor, Permission.GRANT_ROLES)
    user = grant.user
    user.grants.remove(grant)
    end_all_sessions(session, user)
    record(
        session,
        actor=actor,
        action="role.revoke",
        object_type="user",
        object_id=user.id,
        before={"role": grant.role, "unit_id": grant.unit_id},
        now=now,
    )


def display_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display names of these users (None skipped), to name who did or holds something."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def purge_stale_sessions(session: Session, *, now: datetime) -> int:
    """Delete browser sessions past the absolute lifetime (signed-out ones are already gone)."""
    limit: timedelta = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    result = session.execute(delete(WebSession).where(WebSession.last_seen_at < now - limit))
    return int(getattr(result, "rowcount", 0) or 0)
