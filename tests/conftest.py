"""Fixtures: one application per test on a fresh database, on SQLite and on PostgreSQL.

The schema comes from the migrations, as in production. SQLite tests copy a migrated template
file; PostgreSQL tests (when TEST_DATABASE_URL is set) use one database per xdist worker and
truncate every table between tests.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.calendar.services import forget_calendar
from app.extensions import db
from app.workflow.definitions.definition_cache import forget_definitions

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Opt-in: JIXIAO_TEST_CLOCK=2027-01-15T10:00:00+08:00 runs the whole session from that moment
# (the clock ticks on), to show that no test depends on the day it runs.
TEST_CLOCK = os.environ.get("JIXIAO_TEST_CLOCK")


def pytest_configure(config: pytest.Config) -> None:
    if TEST_CLOCK:
        traveller = time_machine.travel(datetime.fromisoformat(TEST_CLOCK), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header() -> str | None:
    return f"test clock: {TEST_CLOCK}" if TEST_CLOCK else None


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("template") / "template.sqlite"
    _migrate(f"sqlite:///{template}")
    return template


def _worker_database_url(worker_id: str) -> str:
    assert PG_URL is not None
    base = make_url(PG_URL)
    # The pid keeps two test runs on one machine (a developer and CI) out of each other's way.
    name = f"{base.database}_jixiao_{worker_id}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(
        target.set(database=make_url(PG_URL or "").database), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    url = _worker_database_url(worker_id)
    _migrate(url)
    yield url
    _drop_database(url)


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, :h)"),
            {"h": "0" * 64},
        )
        conn.execute(  # as the migration leaves it
            text("INSERT INTO calendar_revision (id, token, changed_at) VALUES (1, 'initial', :t)"),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a server would: its own `g`, its own
    database session, nothing cached from the test or from the previous request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # End the test's own transaction first: on SQLite every transaction holds the write lock.
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "FORMS_DIR": str(Path(__file__).resolve().parent / "forms"),
        },
    )
    app.test_client_class = IsolatedClient
    forget_definitions()
    forget_calendar()  # caches are per database URL, and PostgreSQL tests reuse theirs
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a page's form."""
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)
