"""Two people completing one task, retries with an Idempotency-Key, a crash before commit
(SECURITY R4, R5, R6)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.extensions import db
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.tasks import human_tasks
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, complete, inbox, start, upload


@pytest.fixture
def review(client: FlaskClient) -> dict[str, Any]:
    unit = make_unit("FGW")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("unit1b", (Role.UNIT_STAFF, unit))
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    return {
        "office": bearer(client, "office1"),
        "staff": bearer(client, "unit1"),
        "staff2": bearer(client, "unit1b"),
    }


def _row_version(instance_id: int) -> int:
    db.session.expire_all()
    version = db.session.get(ProcessInstance, instance_id).row_version
    db.session.commit()  # end the read: on SQLite an open transaction holds the write lock
    return version


def _race(app: Flask, task_id: str, people: list[dict[str, str]]) -> list[int]:
    """Each person completes the task at the same instant; their status codes."""
    barrier = threading.Barrier(len(people))
    statuses: list[int] = []

    def worker(headers: dict[str, str]) -> None:
        own = app.test_client()
        barrier.wait()
        statuses.append(complete(own, headers, task_id, title="并发提交", weight=10).status_code)

    threads = [threading.Thread(target=worker, args=(headers,)) for headers in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_simultaneous_completions_give_one_200_and_one_409(
    app: Flask, review: dict[str, Any]
) -> None:
    rounds = 100 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else 40
    for _ in range(rounds):
        client = app.test_client()
        started = start(client, review["office"], "review_lanes", unit_code="FGW")
        task_id = started["tasks"][0]["id"]
        version = _row_version(started["id"])
        statuses = _race(app, task_id, [review["staff"], review["staff2"]])
        assert sorted(statuses) == [200, 409]
        assert _row_version(started["id"]) == version + 1
        ready = db.session.execute(
            select(func.count())
            .select_from(HumanTask)
            .where(HumanTask.instance_id == started["id"], HumanTask.state == HumanTaskState.READY)
        ).scalar()
        assert ready == 1  # the head's review, once


def test_a_retry_with_the_same_idempotency_key_changes_nothing(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    task_id = started["tasks"][0]["id"]
    headers = {**review["staff"], "Idempotency-Key": "retry-after-timeout-1"}
    first = complete(client, headers, task_id, title="幂等提交", weight=10)
    second = complete(client, headers, task_id, title="幂等提交", weight=10)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    db.session.expire_all()
    completions = db.session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "task.complete")
    ).scalar()
    assert completions == 1
    # Without the key the second call is a conflict, as it should be.
    assert complete(client, review["staff"], task_id, title="x1", weight=1).status_code == 409


def test_a_key_reused_for_another_call_is_a_conflict(
    client: FlaskClient, review: dict[str, Any]
) -> None:
    headers = {**review["office"], "Idempotency-Key": "same-key"}
    first = client.post(
        "/api/v1/process-instances",
        headers=headers,
        json={"process_key": "review_lanes", "unit_code": "FGW"},
    )
    assert first.status_code == 201
    task_id = first.get_json()["tasks"][0]["id"]
    other = client.post(f"/api/v1/tasks/{task_id}/claim", headers=headers)
    assert other.status_code in (403, 409)


def test_a_crash_between_complete_and_commit_leaves_the_task_ready(
    app: Flask, client: FlaskClient, review: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = start(client, review["office"], "review_lanes", unit_code="FGW")
    task_id = started["tasks"][0]["id"]
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("power cut after task.run()")

    monkeypatch.setattr(human_tasks, "record", crash)
    crashed = complete(client, review["staff"], task_id, title="断电前", weight=10)
    assert crashed.status_code == 500
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).state is HumanTaskState.READY
    assert [t["id"] for t in inbox(client, review["staff"])] == [task_id]
    monkeypatch.undo()
    assert complete(client, review["staff"], task_id, title="恢复后", weight=10).status_code == 200
