"""The password policy and hashing (issue 2 §4)."""

from __future__ import annotations

import pytest

from app import create_app
from app.auth.passwords import (
    HashPolicy,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)


@pytest.fixture(autouse=True)
def _babel_context() -> object:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    "password", ["Short-1a", "alllowercase-only", "ALLUPPER12345", "password123", "Alice-secret-9"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problems(password, username="alice", min_length=10)


@pytest.mark.parametrize("password", ["Correct-Horse-42", "longpassword42!", "长城Great-Wall-2026"])
def test_good_passwords_pass(password: str) -> None:
    assert password_problems(password, username="alice", min_length=10) == []


def test_hashes_are_salted_argon2id() -> None:
    policy = HashPolicy("argon2id", time_cost=1, memory_cost=8192)
    first = hash_password("Correct-Horse-42", policy)
    second = hash_password("Correct-Horse-42", policy)
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "Correct-Horse-42")
    assert not verify_password(first, "Correct-Horse-43")
    assert not verify_password("not-a-hash", "Correct-Horse-42")


def test_pbkdf2_sm3_hashes_are_salted_and_verified() -> None:
    policy = HashPolicy("pbkdf2-sm3", sm3_iterations=1000)
    first = hash_password("Correct-Horse-42", policy)
    assert first.startswith("$pbkdf2-sm3$1000$")
    assert first != hash_password("Correct-Horse-42", policy)
    assert verify_password(first, "Correct-Horse-42")
    assert not verify_password(first, "Correct-Horse-43")
    assert not verify_password("$pbkdf2-sm3$x$y$z", "Correct-Horse-42")
    assert needs_rehash(first, HashPolicy()) and not needs_rehash(first, policy)
