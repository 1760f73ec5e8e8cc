"""The completion hot path (issue 3): few statements, Core writes that keep the session honest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.auth.roles import Role
from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.row_writes import complete_ready_task, save_step
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, complete, instance, start, upload

# token + lock + completed task + open tasks + new task + instance + events + 3 for the audit chain
STATEMENTS_PER_COMPLETION = 10


@pytest.fixture
def review(client: FlaskClient) -> dict[str, Any]:
    unit = make_unit("FGW")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    return {"office": bearer(client, "office1"), "staff": bearer(client, "unit1")}


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (BEGIN and COMMIT are not statements here)."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statement = args[2]
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_completion_sends_a_fixed_handful_of_statements(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    task_id = started["tasks"][0]["id"]
    with counted_statements() as statements:
        response = complete(client, review["staff"], task_id, title="计数", weight=10)
    assert response.status_code == 200, response.get_json()
    assert len(statements) == STATEMENTS_PER_COMPLETION, "\n".join(statements)
    # The answer was built from what the step wrote, and it is what a fresh read shows.
    body = response.get_json()["instance"]
    shown = instance(client, review["office"], started["id"])
    assert {k: body[k] for k in ("status", "data", "tasks", "version")} == {
        k: shown[k] for k in ("status", "data", "tasks", "version")
    }
    assert [t["spec_id"] for t in body["tasks"]] == ["sign"]


def test_a_completion_leaves_nothing_for_the_orm_to_flush(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    flushes: list[Any] = []

    def watch(session: Session, *_args: Any) -> None:
        flushes.append(set(session.dirty) | set(session.new))

    event.listen(Session, "before_flush", watch)
    try:
        response = complete(
            client, review["staff"], started["tasks"][0]["id"], title="计数", weight=10
        )
    finally:
        event.remove(Session, "before_flush", watch)
    assert response.status_code == 200, response.get_json()
    assert flushes == []


def test_saving_a_step_over_a_version_moved_elsewhere_is_a_conflict(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    row = db.session.get(ProcessInstance, started["id"])
    seen = row.row_version
    db.session.execute(
        update(ProcessInstance.__table__)
        .where(ProcessInstance.__table__.c.id == row.id)
        .values(row_version=seen + 1)
    )
    with pytest.raises(Conflict):
        save_step(db.session, row, {"updated_at": utcnow()})
    db.session.rollback()


def test_saving_a_step_moves_the_version_by_one_and_marks_the_row_saved(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    row = db.session.get(ProcessInstance, started["id"])
    seen = row.row_version
    save_step(db.session, row, {"data": {"note": "saved"}, "updated_at": utcnow()})
    assert row.row_version == seen + 1 and row not in db.session.dirty
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(ProcessInstance, started["id"])
    assert again.row_version == seen + 1 and again.data == {"note": "saved"}


def test_completing_a_task_that_is_no_longer_ready_is_a_conflict(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    task = db.session.get(HumanTask, started["tasks"][0]["id"])
    complete_ready_task(db.session, task, by_id=None, at=utcnow())
    assert task.state is HumanTaskState.COMPLETED and task not in db.session.dirty
    with pytest.raises(Conflict):
        complete_ready_task(db.session, task, by_id=None, at=utcnow())
    db.session.rollback()
