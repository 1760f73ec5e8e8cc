"""Service tasks call registered operations with the acting user; unknown units fail cleanly."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.extensions import db
from app.workflow.registry import REGISTRY
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, start, upload


def test_service_tasks_read_a_unit_and_write_an_audit_note(client: FlaskClient) -> None:
    leader = make_user("leader1", Role.PROVINCIAL_LEADER)
    make_unit("FGW", leader=leader)
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    assert upload(client, bearer(client, "owner1"), "service_ops.bpmn").status_code == 201
    started = start(client, bearer(client, "office1"), "service_ops", unit_code="FGW")
    assert started["status"] == "completed"
    note = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "process.note")
    ).scalar_one()
    assert note.actor_name == "office1" and note.after == {"message": "分管领导：leader1"}


def test_an_operation_failure_puts_the_instance_in_error(client: FlaskClient) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_unit("FGW")
    upload(client, bearer(client, "owner1"), "service_ops.bpmn")
    started = start(client, bearer(client, "office1"), "service_ops", data={"unit_code": "NOPE"})
    assert started["status"] == "error"
    assert started["error"]["element_id"] == "profile"
    assert "NOPE" in started["error"]["message"]


def test_the_registry_describes_its_operations() -> None:
    assert REGISTRY.problems("org.unit_profile", {"unit_code"}) == []
    assert REGISTRY.problems("org.unit_profile", set()) == [
        "parameter 'unit_code' is required by org.unit_profile"
    ]
    assert REGISTRY.problems("nope.nothing", set()) == [
        "operation 'nope.nothing' is not registered"
    ]
