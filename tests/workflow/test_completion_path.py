"""The completion hot path (issue 3): few statements, Core writes that keep the session honest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app import db_batch
from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.db import utcnow
from app.db_batch import WriteBatch
from app.errors import Conflict
from app.extensions import db
from app.workflow.instances.row_writes import complete_ready_task, save_step
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.tasks import human_tasks
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, complete, instance, start, upload

# What an API completion waits for the database server to answer, besides BEGIN and COMMIT: the
# token; the task locked with its instance and open tasks; the calendar's revision token (so a
# calendar change in another process counts at once); who may work the new task and whether its
# step was done before (one statement, for telling them); at the end of the step its writes
# (completed task, its notices marked read, new task, instance, events; the new task's notices
# too, but here its step has nobody to tell); at the commit the audit entry with the head it
# moves (where this process last saw it). PostgreSQL gets each batch of writes in one pipeline;
# SQLite, in-process, executes them one by one.
WAITS_PER_COMPLETION = {"postgresql": 4 + 1 + 1, "sqlite": 4 + 5 + 2}


@pytest.fixture
def review(client: FlaskClient) -> dict[str, Any]:
    unit = make_unit("FGW")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    return {"office": bearer(client, "office1"), "staff": bearer(client, "unit1")}


@contextmanager
def counted_waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What was sent while the block ran, one entry per answer waited for: each statement
    executed on its own, each pipeline of writes (BEGIN and COMMIT are not counted)."""
    waits: list[str] = []

    def count(*args: Any) -> None:
        statement = args[2]
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            waits.append(statement)

    def pipelined(connection: Any, writes: list[Any]) -> list[int]:
        waits.append("pipeline: " + "; ".join(str(w.statement).split("(")[0] for w in writes))
        return sending(connection, writes)

    sending = db_batch._pipelined
    monkeypatch.setattr(db_batch, "_pipelined", pipelined)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield waits
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_completion_waits_for_the_database_a_fixed_handful_of_times(
    client: FlaskClient, review: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    task_id = started["tasks"][0]["id"]
    with counted_waits(monkeypatch) as waits:
        response = complete(client, review["staff"], task_id, title="计数", weight=10)
    assert response.status_code == 200, response.get_json()
    expected = WAITS_PER_COMPLETION[db.engine.dialect.name]
    assert len(waits) == expected, "\n".join(waits)
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
    writes = WriteBatch()
    save_step(writes, row, {"updated_at": utcnow()})
    with pytest.raises(Conflict):
        writes.send(db.session)
    db.session.rollback()


def test_saving_a_step_moves_the_version_by_one_and_marks_the_row_saved(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    row = db.session.get(ProcessInstance, started["id"])
    seen = row.row_version
    writes = WriteBatch()
    save_step(writes, row, {"data": {"note": "saved"}, "updated_at": utcnow()})
    writes.send(db.session)
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
    writes = WriteBatch()
    complete_ready_task(writes, task, by_id=None, at=utcnow())
    writes.send(db.session)
    assert task.state is HumanTaskState.COMPLETED and task not in db.session.dirty
    complete_ready_task(writes, task, by_id=None, at=utcnow())
    with pytest.raises(Conflict):
        writes.send(db.session)
    db.session.rollback()


def test_a_guard_that_fails_at_the_commit_answers_409_and_writes_nothing(
    client: FlaskClient, review: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    task_id = started["tasks"][0]["id"]
    version = db.session.get(ProcessInstance, started["id"]).row_version
    entries = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    db.session.commit()

    def complete_another(writes: WriteBatch, task: HumanTask, **kwargs: Any) -> None:
        # The guarded UPDATE of a task that is not there: it matches no row at the commit.
        ghost = HumanTask(id="00000000-0000-0000-0000-000000000000")
        complete_ready_task(writes, ghost, **kwargs)

    monkeypatch.setattr(human_tasks, "complete_ready_task", complete_another)
    response = complete(client, review["staff"], task_id, title="冲突", weight=10)
    assert response.status_code == 409, response.get_json()
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).state is HumanTaskState.READY
    assert db.session.get(ProcessInstance, started["id"]).row_version == version
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar() == entries
    monkeypatch.undo()
    assert complete(client, review["staff"], task_id, title="再交", weight=10).status_code == 200
