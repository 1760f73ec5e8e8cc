"""Fresh databases, an app and demo actors for the benchmarks."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.actor import Actor
from app.auth.roles import Role
from app.auth.services import create_user, grant_role
from app.db import utcnow
from app.extensions import db
from app.org.services import UnitInput, save_unit

PASSWORD = "Bench-pass-2026"
DIAGRAM = Path(__file__).resolve().parent / "diagrams" / "two_steps.bpmn"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def sqlite_url() -> str:
    """A new SQLite file in a temporary folder."""
    return f"sqlite:///{tempfile.mkdtemp(prefix='jixiao-bench-')}/bench.sqlite"


def postgres_url(name: str = "jixiao_bench") -> str:
    """A new, empty PostgreSQL database next to the configured one."""
    base = make_url(os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def make_app(url: str) -> Flask:
    """An app on `url` with the schema migrated."""
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    return app


def seed(app: Flask, units: int = 1) -> None:
    """Units, an owner, an office clerk and one staff account per unit (`staff0`, …)."""
    system = Actor.system("bench")

    def account(username: str, role: Role, unit: Any = None) -> None:
        user = create_user(
            db.session,
            actor=system,
            username=username,
            display_name=username,
            password=PASSWORD,
            now=now,
            is_demo=True,
        )
        grant_role(db.session, actor=system, user=user, role=role, unit=unit, now=now)

    with app.app_context():
        now = utcnow()
        account("owner", Role.PROCESS_OWNER)
        account("office", Role.OFFICE_STAFF)
        for number in range(units):
            unit = save_unit(
                db.session,
                actor=system,
                year=2026,
                now=now,
                data=UnitInput(
                    code=f"U{number:03d}",
                    name_zh=f"基准单位{number}",
                    name_en=f"Unit {number}",
                    category="economic",
                    headcount=50,
                ),
            ).unit
            account(f"staff{number}", Role.UNIT_STAFF, unit)
        db.session.commit()


def login(client: FlaskClient, username: str) -> dict[str, str]:
    """Authorization headers for a seeded account."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def deploy_as_owner(client: FlaskClient, name: str, data: bytes) -> dict[str, str]:
    """Deploy one diagram as `owner`; returns the office clerk's headers for starting it."""
    response = client.post(
        "/api/v1/process-definitions",
        headers=login(client, "owner"),
        data={"file": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return login(client, "office")
