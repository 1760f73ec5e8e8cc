"""The second factor (S10): TOTP codes (RFC 6238, HMAC-SHA1, 6 digits, 30 s) and recovery codes.

A code is accepted once: the credential remembers the last time step used and refuses that step
and every earlier one. Failed codes count towards the same lock as failed passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from typing import NoReturn
from urllib.parse import quote, urlencode

import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import MfaCredential, User
from app.auth.roles import Permission
from app.auth.services import actor_for, require
from app.errors import AuthenticationFailed, Conflict, InvalidInput

STEP_SECONDS = 30
DIGITS = 6
# One step either side absorbs clock drift between the server and the phone.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
MFA_FAILED = "mfa_failed"


def totp(secret: str, step: int) -> str:
    """The code for `step` (HOTP of RFC 4226 over the time step, RFC 6238)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def time_step(now: datetime) -> int:
    """The 30-second step `now` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def mfa_required(user: User) -> bool:
    """Whether the user's roles call for a second factor (demo accounts are exempt)."""
    if user.is_demo:
        return False
    required: frozenset[str] = current_app.config["MFA_REQUIRED_ROLES"]
    return any(grant.role in required for grant in user.grants)


def credential_of(session: Session, user: User) -> MfaCredential | None:
    """The user's confirmed credential, if enrolment is complete."""
    credential = session.get(MfaCredential, user.id)
    return credential if credential is not None and credential.confirmed_at else None


def start_enrolment(session: Session, *, user: User, now: datetime) -> MfaCredential:
    """The user's unconfirmed secret, made now if there is none; refused once a credential is
    confirmed (a reset by the security administrator comes first)."""
    credential = session.get(MfaCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise Conflict(_("Two-step verification is already set up for this account."))
    if credential is not None:
        return credential
    if credential is None:
        credential = MfaCredential(user_id=user.id)
        session.add(credential)
    credential.secret = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
    credential.created_at = now
    credential.last_step = 0
    credential.failures = 0
    credential.recovery_hashes = []
    session.flush()
    return credential


def provisioning_uri(credential: MfaCredential, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    issuer = current_app.config["MFA_ISSUER"]
    query = urlencode(
        {"secret": credential.secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{quote(issuer)}:{quote(username)}?{query}"


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG."""
    return str(segno.make(uri, error="m").svg_inline(scale=4))


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = []
    for _index in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 80 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}")
    return codes


def _matching_step(credential: MfaCredential, code: str, now: datetime) -> int | None:
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > credential.last_step and hmac.compare_digest(totp(credential.secret, step), code):
            return step
    return None


def confirm_enrolment(
    session: Session, *, user: User, code: str, now: datetime, client_addr: str | None
) -> list[str]:
    """Finish enrolment with a first code from the app; returns the recovery codes, shown once."""
    credential = session.get(MfaCredential, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Conflict(_("Start the set-up of two-step verification again."))
    step = _matching_step(credential, code.strip(), now)
    if step is None:
        message = _("The code is wrong or has expired.")
        raise InvalidInput(message, details={"code": [message]})
    codes = _new_recovery_codes()
    credential.last_step = step
    credential.confirmed_at = now
    credential.recovery_hashes = [_recovery_digest(c) for c in codes]
    record(
        session,
        actor=actor_for(user, client_addr),
        action="mfa.enrol",
        object_type="user",
        object_id=user.id,
        after={"recovery_codes": len(codes)},
        now=now,
    )
    return codes


def check_second_factor(
    session: Session, *, user: User, code: str, now: datetime, client_addr: str | None
) -> None:
    """Accept a TOTP code (once) or an unused recovery code; otherwise count the failure, lock
    the account after MFA_MAX_FAILURES, and raise AuthenticationFailed."""
    credential = credential_of(session, user)
    locked = user.locked_until is not None and user.locked_until > now
    code = code.strip()
    if credential is None or locked or not code:
        _refuse(session, user, credential, now=now, client_addr=client_addr, counted=False)
    step = _matching_step(credential, code, now) if code.isdigit() else None
    via = "totp"
    if step is not None:
        credential.last_step = step
    elif _recovery_digest(code) in credential.recovery_hashes:
        credential.recovery_hashes = [
            h for h in credential.recovery_hashes if h != _recovery_digest(code)
        ]
        via = "recovery_code"
    else:
        _refuse(session, user, credential, now=now, client_addr=client_addr, counted=True)
    credential.failures = 0
    record(
        session,
        actor=actor_for(user, client_addr),
        action="mfa.verify",
        object_type="user",
        object_id=user.id,
        after={"via": via, "recovery_codes_left": len(credential.recovery_hashes)},
        now=now,
    )


def _refuse(
    session: Session,
    user: User,
    credential: MfaCredential | None,
    *,
    now: datetime,
    client_addr: str | None,
    counted: bool,
) -> NoReturn:
    after: dict[str, object] = {}
    if counted and credential is not None:
        credential.failures += 1
        after["failures"] = credential.failures
        if credential.failures >= current_app.config["MFA_MAX_FAILURES"]:
            user.locked_until = now + current_app.config["LOGIN_LOCK_DURATION"]
            credential.failures = 0
            after["locked_until"] = user.locked_until
    record(
        session,
        actor=actor_for(user, client_addr),
        action="mfa.verify_failed",
        object_type="user",
        object_id=user.id,
        after=after,
        now=now,
    )
    raise AuthenticationFailed(
        _(
            "The code is wrong, already used, or the account is locked. "
            "After %(n)d wrong codes the account is locked for %(m)d minutes.",
            n=current_app.config["MFA_MAX_FAILURES"],
            m=int(current_app.config["LOGIN_LOCK_DURATION"].total_seconds() // 60),
        ),
        details={"reason": MFA_FAILED},
    )


def reset_mfa(session: Session, *, actor: Actor, user: User, now: datetime) -> bool:
    """Remove a user's second factor (a lost phone); they enrol again at their next sign-in.
    The security administrator's job, audited. False if there was none."""
    require(actor, Permission.GRANT_ROLES)
    credential = session.get(MfaCredential, user.id)
    if credential is None:
        return False
    session.delete(credential)
    record(
        session,
        actor=actor,
        action="mfa.reset",
        object_type="user",
        object_id=user.id,
        before={"enrolled": credential.confirmed_at is not None},
        after={"enrolled": False},
        now=now,
    )
    return True
