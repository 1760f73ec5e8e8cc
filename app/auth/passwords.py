"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "password1234",
        "qwerty123456",
        "1234567890",
        "12345678910",
        "abc1234567",
        "admin12345",
        "iloveyou123",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "woaini1314",
        "a123456789",
        "p@ssw0rd123",
        "Passw0rd123",
        "Password123",
        "Admin@12345",
    }
)


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


SM3_PREFIX = "$pbkdf2-sm3$"


@dataclass(frozen=True)
class HashPolicy:
    """How new passwords are hashed: argon2id (default) or PBKDF2-HMAC-SM3, for sites that must
    use the national commercial cryptography algorithms (GB/T 32905)."""

    scheme: str = "argon2id"
    time_cost: int = 3
    memory_cost: int = 64 * 1024
    sm3_iterations: int = 210_000


def hash_password(password: str, policy: HashPolicy) -> str:
    """A salted slow hash of `password` under the policy's scheme."""
    if policy.scheme == "pbkdf2-sm3":
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sm3", password.encode(), salt, policy.sm3_iterations)
        return (
            f"{SM3_PREFIX}{policy.sm3_iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}"
        )
    return _hasher(policy.time_cost, policy.memory_cost).hash(password)


def _verify_sm3(password_hash: str, password: str) -> bool:
    try:
        iterations, salt, digest = password_hash.removeprefix(SM3_PREFIX).split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac(
            "sm3", password.encode(), base64.b64decode(salt), int(iterations)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; any malformed hash counts as a mismatch."""
    if password_hash.startswith(SM3_PREFIX):
        return _verify_sm3(password_hash, password)
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, policy: HashPolicy) -> bool:
    """Whether a stored hash uses another scheme than the policy's (rehashed at sign-in)."""
    return password_hash.startswith(SM3_PREFIX) != (policy.scheme == "pbkdf2-sm3")


def _character_classes(password: str) -> int:
    classes = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(c in string.punctuation or c.isspace() or not c.isascii() for c in password),
    )
    return sum(classes)


def password_problems(password: str, *, username: str, min_length: int) -> list[str]:
    """Every way `password` breaks the policy, as messages for the user; empty when it passes."""
    problems = []
    if len(password) < min_length:
        problems.append(_("Use at least %(n)d characters.", n=min_length))
    if _character_classes(password) < 3:
        problems.append(_("Use at least three of: lower-case letters, capitals, digits, symbols."))
    if username and username.lower() in password.lower():
        problems.append(_("The password must not contain the user name."))
    if password.lower() in {p.lower() for p in COMMON_PASSWORDS}:
        problems.append(_("This password is too common."))
    return problems
