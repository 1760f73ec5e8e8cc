"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import string
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


def hash_password(password: str, *, time_cost: int, memory_cost: int) -> str:
    """An argon2id hash with a random salt."""
    return _hasher(time_cost, memory_cost).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; any malformed hash counts as a mismatch."""
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
