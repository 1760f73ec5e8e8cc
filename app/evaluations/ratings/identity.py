"""Who is rating, without keeping who they are: signed device ids, the form token bound to
the device, and keyed hashes of the device and the client address."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

FORM_TOKEN_SECONDS = 24 * 3600
DEVICE_COOKIE_DAYS = 400  # the longest lifetime browsers accept


def new_device_id() -> str:
    """A random, long-lived device id for the device cookie."""
    return secrets.token_urlsafe(18)


def sign_device_id(secret: str, device_id: str) -> str:
    """The device cookie's value: the id, signed with the app's key."""
    return URLSafeSerializer(secret, salt="rating-device").dumps(device_id)


def device_id_from_cookie(secret: str, value: str | None) -> str | None:
    """The device id of a genuine cookie; None for a missing, forged or garbled one."""
    if not value or len(value) > 200:
        return None
    try:
        device_id = URLSafeSerializer(secret, salt="rating-device").loads(value)
    except BadSignature:
        return None
    return device_id if isinstance(device_id, str) else None


def form_token(secret: str, device_id: str, unit_token: str) -> str:
    """The hidden form token: the page was served to this device for this unit."""
    return URLSafeTimedSerializer(secret, salt="rating-form").dumps([device_id, unit_token])


def form_token_matches(secret: str, token: str | None, device_id: str, unit_token: str) -> bool:
    """Whether `token` was issued to `device_id` for `unit_token` within the last day."""
    if not token or len(token) > 300:
        return False
    try:
        issued = URLSafeTimedSerializer(secret, salt="rating-form").loads(
            token, max_age=FORM_TOKEN_SECONDS
        )
    except (BadSignature, SignatureExpired):
        return False
    return bool(issued == [device_id, unit_token])


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under the app's key: comparable, not reversible, not guessable."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def device_key_hash(key: str) -> str:
    """How a service-desk device key is stored (it is random, so a plain hash suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()
