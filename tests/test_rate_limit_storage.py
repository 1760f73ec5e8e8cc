"""Production refuses to start with per-worker rate-limit counters (memory://): each gunicorn
worker would count alone and every limit would be multiplied by the workers. Development and
tests keep memory://."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db

PRODUCTION = {"SECRET_KEY": "x" * 32, "DATA_KEYS": "k1:" + "ab" * 16}


@pytest.mark.parametrize("storage", ["memory://", " MEMORY:// ", "", None])
def test_production_refuses_memory_storage_and_names_the_variable(
    database_url: str, storage: str | None
) -> None:
    settings = {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": database_url}
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI") as refused:
        create_app("production", {**settings, "RATELIMIT_STORAGE_URI": storage})
    assert "memory://" in str(refused.value) and "redis://" in str(refused.value)


def test_production_starts_with_a_shared_store(database_url: str) -> None:
    shared = "redis://127.0.0.1:6379/14"
    app = create_app(
        "production",
        {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": shared},
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == shared
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("name", ["development", "testing"])
def test_development_and_tests_keep_memory(database_url: str, name: str) -> None:
    app = create_app(
        name, {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": "memory://"}
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with app.app_context():
        db.engine.dispose()
