"""Loops of any length (issue 17 §1): the saved state stays small, the history stays complete."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.workflow.instances import compaction, serialization, spiff_patches
from app.workflow.models import HumanTask, HumanTaskState, InstanceTimer, ProcessInstance
from app.workflow.timers.scheduler import run_tick
from tests.factories import make_user
from tests.workflow.helpers import bearer, complete, instance, start, upload

# A saved state of a few tasks is a few kilobytes; one that kept its history would grow by
# about 1.5 KB per round.
SMALL_STATE = 12_000


def _office(client: FlaskClient, *diagrams: str) -> dict[str, str]:
    """Office staff's headers, with `diagrams` deployed."""
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    for diagram in diagrams:
        deployed = upload(client, bearer(client, "owner1"), diagram)
        assert deployed.status_code == 201, deployed.get_json()
    return bearer(client, "office1")


def _state_size(instance_id: int) -> int:
    db.session.expire_all()
    row = db.session.get(ProcessInstance, instance_id)
    assert row is not None
    return len(row.state_json)


def _finish(
    client: FlaskClient, headers: dict[str, str], task: dict[str, Any], **data: Any
) -> dict[str, Any]:
    response = complete(client, headers, task["id"], **data)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["instance"]  # type: ignore[no-any-return]


def test_a_user_task_loop_of_1000_rounds(client: FlaskClient) -> None:
    office = _office(client, "review_loop.bpmn")
    rounds = 1000
    shown = start(client, office, "review_loop", data={"rounds": rounds})
    first_task = shown["tasks"][0]["id"]
    sizes = {}
    for turn in range(1, rounds + 1):
        assert len(shown["tasks"]) == 1, (turn, shown["status"], shown["error"])
        [task] = shown["tasks"]
        assert task["name"] == "审核一项"
        shown = _finish(client, office, task, note=f"第{turn}项")
        if turn in (2, rounds // 2, rounds - 1):
            sizes[turn] = _state_size(shown["id"])
    assert shown["status"] == "completed" and shown["tasks"] == []
    assert shown["data"]["reviewed"] == rounds
    assert max(sizes.values()) < SMALL_STATE, sizes
    assert sizes[rounds - 1] <= sizes[2] * 1.2, sizes

    history = instance(client, office, shown["id"])
    done = Counter(e["element_id"] for e in history["events"] if e["kind"] == "task_completed")
    assert done["review"] == done["count"] == done["more"] == rounds
    assert done["merge"] == rounds and done["init"] == 1
    assert [e["kind"] for e in history["events"]].count("task_ready") == rounds

    # A completed task's data outlives its turn in the engine.
    first = client.get(f"/api/v1/tasks/{first_task}", headers=office)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["state"] == "completed"
    assert first.get_json()["data"] == {"rounds": rounds, "reviewed": 0, "note": "第1项"}


def test_an_automated_loop_of_5000_turns(client: FlaskClient) -> None:
    office = _office(client, "auto_loop.bpmn")
    turns = 5000
    shown = start(client, office, "auto_loop", data={"turns": turns})
    assert shown["status"] == "waiting", shown
    assert instance(client, office, shown["id"])["data"]["turn"] == turns
    assert _state_size(shown["id"]) < SMALL_STATE
    [task] = shown["tasks"]
    assert task["name"] == "确认结果"
    assert _finish(client, office, task)["status"] == "completed"

    history = instance(client, office, shown["id"])
    done = Counter(e["element_id"] for e in history["events"] if e["kind"] == "task_completed")
    assert done["step"] == done["more"] == done["merge"] == turns
    assert done["confirm"] == 1


@pytest.mark.parametrize("first", ["审批", "确认结果"])
def test_a_parallel_join_still_counts_a_branch_finished_before_a_long_loop(
    client: FlaskClient, first: str
) -> None:
    office = _office(client, "parallel_loop.bpmn")
    shown = start(client, office, "parallel_loop", data={"turns": 400})
    tasks = {t["name"]: t for t in shown["tasks"]}
    assert set(tasks) == {"审批", "确认结果"}, shown

    after_one = _finish(client, office, tasks[first])
    [other] = after_one["tasks"]
    assert other["name"] == ({"审批", "确认结果"} - {first}).pop()
    assert _state_size(after_one["id"]) < SMALL_STATE

    joined = _finish(client, office, other)
    [wrap_up] = joined["tasks"]
    assert wrap_up["name"] == "归档"
    assert _finish(client, office, wrap_up)["status"] == "completed"


@pytest.mark.parametrize("limit", ["depth", "size"])
def test_steps_piling_up_in_a_loop_fail_the_instance_naming_the_element(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, limit: str
) -> None:
    # Lower limits than the real ones, so that the test is quick (SpiffWorkflow's joins get slow
    # on such a tree); each of the two checks alone stops the run.
    if limit == "size":
        monkeypatch.setattr(compaction, "MAX_TREE_TASKS", 300)
    else:
        monkeypatch.setattr(compaction, "MAX_TREE_DEPTH", 100)
    office = _office(client, "timer_pile_loop.bpmn")

    shown = start(client, office, "timer_pile_loop", data={"turns": 2000})
    assert shown["status"] == "error", shown
    assert shown["error"]["element_id"] == "wait_month", shown["error"]
    assert "等一个月" in shown["error"]["message"]
    history = instance(client, office, shown["id"])
    assert history["events"][-1]["kind"] == "error"
    assert history["events"][-1]["element_id"] == "wait_month"
    assert history["data"]["turn"] < 200


def _review_rounds(
    client: FlaskClient, headers: dict[str, str], shown: dict[str, Any], rounds: int
) -> dict[str, Any]:
    for _turn in range(rounds):
        [task] = shown["tasks"]
        assert task["name"] == "审核一项"
        shown = _finish(client, headers, task)
    return shown


def test_a_loop_inside_a_subprocess_keeps_no_finished_subprocess(client: FlaskClient) -> None:
    office = _office(client, "subprocess_loop.bpmn")
    shown = start(client, office, "subprocess_loop", data={"rounds": 300})
    shown = _review_rounds(client, office, shown, 150)
    assert _state_size(shown["id"]) < SMALL_STATE
    shown = _review_rounds(client, office, shown, 150)
    assert shown["status"] == "completed"
    assert shown["data"]["reviewed"] == 300
    history = instance(client, office, shown["id"])
    done = Counter(e["element_id"] for e in history["events"] if e["kind"] == "task_completed")
    assert done["review"] == done["item"] == 300


def test_the_boundary_timer_of_a_loops_task_still_fires_after_many_rounds(
    client: FlaskClient,
) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 1, tzinfo=UTC), tick=False) as clock:
        office = _office(client, "guarded_review_loop.bpmn")
        shown = start(client, office, "guarded_review_loop", data={"rounds": 1000, "stop_at": -1})
        shown = _review_rounds(client, office, shown, 300)
        timers = db.session.query(InstanceTimer).filter_by(done_at=None).all()
        assert [t.element_id for t in timers] == ["too_slow"]

        clock.shift(timedelta(days=3, minutes=1))
        assert run_tick(db.session, now=utcnow()) == 1
        after = instance(client, bearer(client, "office1"), shown["id"])
        assert [t["name"] for t in after["tasks"]] == ["督办"]
        assert after["data"]["reviewed"] == 300
        fired = [e for e in after["events"] if e["kind"] == "timer_fired"]
        assert [e["element_id"] for e in fired] == ["too_slow"]


def test_a_step_that_fails_after_many_rounds_is_retried_with_corrected_data(
    client: FlaskClient,
) -> None:
    office = _office(client, "guarded_review_loop.bpmn")
    shown = start(client, office, "guarded_review_loop", data={"rounds": 400, "stop_at": 250})
    failed = _review_rounds(client, office, shown, 250)
    assert failed["status"] == "error"
    assert failed["error"]["element_id"] == "more"

    retried = client.post(
        f"/api/v1/process-instances/{failed['id']}/retry",
        headers=office,
        json={"data": {"go_on": True}},
    )
    assert retried.status_code == 200, retried.get_json()
    shown = retried.get_json()
    assert shown["status"] == "waiting"
    shown = _review_rounds(client, office, shown, 150)
    assert shown["status"] == "completed"
    assert shown["data"]["reviewed"] == 400


def test_the_migration_keeps_the_data_of_tasks_completed_before_it(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Instances saved before compaction hold their finished tasks, and rows no data of their own.
    monkeypatch.setattr(serialization, "compact", lambda _workflow: None)
    monkeypatch.setattr(spiff_patches, "compact", lambda _workflow: None)
    office = _office(client, "review_loop.bpmn")
    shown = start(client, office, "review_loop", data={"rounds": 3})
    for turn in (1, 2):
        shown = _finish(client, office, shown["tasks"][0], note=f"第{turn}项")
    db.session.commit()
    db.session.remove()

    downgrade(revision="c18f26c576ff")
    upgrade()

    done = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.state == HumanTaskState.COMPLETED)
        .order_by(HumanTask.completed_at)
    ).all()
    assert [t.completed_data for t in done] == [
        {"rounds": 3, "reviewed": 0, "note": "第1项"},
        {"rounds": 3, "reviewed": 1, "note": "第2项"},
    ]


def test_two_subprocesses_at_once_in_a_loop_are_both_workable(client: FlaskClient) -> None:
    office = _office(client, "parallel_subprocess_loop.bpmn")
    turns = 30
    shown = start(client, office, "parallel_subprocess_loop", data={"turns": turns})
    for turn in range(turns):
        tasks = {t["name"]: t for t in shown["tasks"]}
        assert set(tasks) == {"甲方意见", "乙方意见"}, (turn, shown)
        # Either branch may finish first: the join counts the other after compaction.
        order = ["乙方意见", "甲方意见"] if turn % 2 == 0 else ["甲方意见", "乙方意见"]
        shown = _finish(client, office, tasks[order[0]])
        assert [t["name"] for t in shown["tasks"]] == [order[1]]
        shown = _finish(client, office, tasks[order[1]])
    assert shown["status"] == "completed"
    assert shown["data"]["turn"] == turns
    assert _state_size(shown["id"]) < SMALL_STATE
