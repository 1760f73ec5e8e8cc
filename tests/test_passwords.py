"""The password policy and hashing (issue 2 §4)."""

from __future__ import annotations

import pytest

from app import create_app
from app.auth.passwords import hash_password, password_problems, verify_password


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
    first = hash_password("Correct-Horse-42", time_cost=1, memory_cost=8192)
    second = hash_password("Correct-Horse-42", time_cost=1, memory_cost=8192)
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "Correct-Horse-42")
    assert not verify_password(first, "Correct-Horse-43")
    assert not verify_password("not-a-hash", "Correct-Horse-42")
