"""Invitation tokens: derived from a stored random nonce with the app's secret key, so the
database alone never yields a working link; only the token's SHA-256 is kept for look-up."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_LENGTH = 22  # 132 bits of the HMAC, URL-safe


def new_nonce() -> str:
    """A fresh random nonce for one invitation."""
    return secrets.token_hex(16)


def invitation_token(nonce: str, secret_key: str) -> str:
    """The invitation's token: HMAC-SHA256 of its nonce under the app's secret key."""
    digest = hmac.new(secret_key.encode(), b"survey-invitation:" + nonce.encode(), "sha256")
    return base64.urlsafe_b64encode(digest.digest()).decode()[:TOKEN_LENGTH]


def token_hash(token: str) -> str:
    """What is stored and searched for: the SHA-256 of the token."""
    return hashlib.sha256(token.encode()).hexdigest()
