"""Database trouble (SECURITY R10): 503 with nothing half-written, and recovery afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.extensions import db
from app.workflow.models import HumanTask, HumanTaskState
from app.workflow.tasks import human_tasks
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, complete, start, upload


def _audit_count() -> int:
    db.session.expire_all()
    count = int(db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    db.session.commit()
    return count


def test_a_database_error_mid_request_is_a_503_and_changes_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = make_unit("FGW")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    upload(client, bearer(client, "owner1"), "review_lanes.bpmn")
    started = start(client, bearer(client, "office1"), "review_lanes", unit_code="FGW")
    task_id = started["tasks"][0]["id"]
    staff = bearer(client, "unit1")
    before = _audit_count()

    def outage(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(human_tasks, "record", outage)
    response = complete(client, staff, task_id, title="断网前", weight=10)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).state is HumanTaskState.READY
    assert _audit_count() == before
    monkeypatch.undo()
    assert complete(client, staff, task_id, title="恢复后", weight=10).status_code == 200


def test_connections_killed_by_the_server_are_replaced(app: Flask, client: FlaskClient) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("killing server connections needs PostgreSQL")
    make_user("office1", Role.OFFICE_STAFF)
    headers = bearer(client, "office1")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    # pool_pre_ping notices the dead connections and the next request gets a fresh one.
    assert client.get("/api/v1/me", headers=headers).status_code == 200
