"""The `evaluations` diagram started through the API and driven to its end by each rater working
their own inbox: a rater's task is refused (422) until their sheet or item is finished."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import User
from app.auth.services import actor_for
from app.db import utcnow
from app.evaluations.departments import ItemEntry, save_item
from app.evaluations.grid import GridEntry, save_grid
from app.evaluations.models import DepartmentItem, SheetKind
from app.extensions import db
from app.workflow.models import HumanTask
from tests.evaluations.conftest import ROOT, YEAR
from tests.factories import page_csrf, sign_in
from tests.indicators.drive import only_task
from tests.workflow.helpers import bearer, complete, inbox, instance, start

pytestmark = pytest.mark.usefixtures("province")
SCORES = {"FGW": GridEntry("90"), "GXT": GridEntry("85"), "JYT": GridEntry(abstain=True)}


def deploy(client: FlaskClient) -> None:
    path = ROOT / "bpmn" / "evaluations.bpmn"
    response = client.post(
        "/api/v1/process-definitions",
        headers=bearer(client, "owner1"),
        data={"file": [(io.BytesIO(path.read_bytes()), path.name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()


def submit_sheet(username: str, kind: SheetKind) -> None:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one()
    save_grid(
        db.session,
        actor=actor_for(user),
        year=YEAR,
        kind=kind,
        entries=SCORES,
        submit=True,
        now=utcnow(),
    )
    db.session.commit()


def enter_item(username: str) -> None:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one()
    entries = {"FGW": ItemEntry("14"), "GXT": ItemEntry("12.5"), "JYT": ItemEntry("", True)}
    save_item(
        db.session,
        actor=actor_for(user),
        year=YEAR,
        item=DepartmentItem.LEADERSHIP,
        entries=entries,
        now=utcnow(),
    )
    db.session.commit()


def confirm(client: FlaskClient, username: str, spec_id: str) -> tuple[dict[str, Any], Any]:
    headers = bearer(client, username)
    task = only_task(client, headers, spec_id)
    return task, complete(client, headers, task["id"], done=task["data"]["work_key"])


@time_machine.travel(datetime(2027, 1, 4, 2, 0, tzinfo=UTC), tick=False)
def test_the_year_end_tasks_open_together_and_close_when_all_are_done(
    client: FlaskClient,
) -> None:
    deploy(client)
    office = bearer(client, "office1")
    started = start(client, office, "evaluations", data={"year": YEAR, "workdays": 5})
    assert {t["spec_id"] for t in started["tasks"]} == {
        "leader_rating",
        "group_rating",
        "department_entry",
        "survey_close",
    }
    # Each rater has their own task, due 5 working days on, linking to their page.
    task = only_task(client, bearer(client, "leader1"), "leader_rating")
    assert task["due_at"].startswith("2027-01-11T23:59:59+08:00"), task["due_at"]
    assert task["data"]["grid_link"] == f"/evaluations/{YEAR}/sheets/leader"
    row = db.session.get(HumanTask, task["id"])
    assert row is not None and row.remind_at is not None and row.escalate_at is not None
    # reminded 2 working days before (Thu 7 Jan, 09:00), escalated 3 working days after
    assert row.remind_at == datetime(2027, 1, 7, 1, 0, tzinfo=UTC)
    assert row.escalate_at == datetime(2027, 1, 14, 15, 59, 59, tzinfo=UTC)
    assert task["data"]["units_text"] == "3 个"
    assert (
        only_task(client, bearer(client, "dept1"), "department_entry")["data"]["work_key"]
        == "item:leadership"
    )
    assert inbox(client, bearer(client, "dept2")) == []  # owns no item: no task

    # Refused until the sheet is submitted; then the rater's own work is the choice.
    _task, refused = confirm(client, "leader1", "leader_rating")
    assert refused.status_code == 422
    assert "done" in str(refused.get_json()["error"]["details"])
    submit_sheet("leader1", SheetKind.LEADER)
    submit_sheet("leader2", SheetKind.LEADER)
    # leader2 cannot complete with leader1's finished work
    headers2 = bearer(client, "leader2")
    task2 = only_task(client, headers2, "leader_rating")
    wrong = complete(client, headers2, task2["id"], done="leader:leader1")
    assert wrong.status_code == 422
    for username in ("leader1", "leader2"):
        _task, ok = confirm(client, username, "leader_rating")
        assert ok.status_code == 200, ok.get_json()

    submit_sheet("group1", SheetKind.LEADING_GROUP)
    assert confirm(client, "group1", "group_rating")[1].status_code == 200
    assert confirm(client, "dept1", "department_entry")[1].status_code == 422
    enter_item("dept1")
    assert confirm(client, "dept1", "department_entry")[1].status_code == 200

    close = only_task(client, office, "survey_close")
    assert [w["assignee"] for w in close["data"]["leader_work"]] == ["leader1", "leader2"]
    response = complete(client, office, close["id"], survey_decision="close")
    assert response.status_code == 200, response.get_json()
    final = instance(client, office, started["id"])
    assert final["status"] == "completed"


def test_a_year_without_units_stops_at_the_planning_step_with_a_message(
    client: FlaskClient,
) -> None:
    deploy(client)
    response = client.post(
        "/api/v1/process-instances",
        headers=bearer(client, "office1"),
        json={"process_key": "evaluations", "data": {"year": 2031}},
    )
    started = response.get_json()
    assert started["status"] == "error" and started["tasks"] == []
    assert started["error"]["element_id"] == "plan_work"
    assert "2031 年度没有参加考核的单位" in started["error"]["message"]


def test_submitting_on_the_pages_completes_the_raters_own_task(client: FlaskClient) -> None:
    deploy(client)
    start(client, bearer(client, "office1"), "evaluations", data={"year": YEAR})
    sign_in(client, "leader1")
    path = f"/evaluations/{YEAR}/sheets/leader"
    fields = {"score-FGW": "90", "score-GXT": "80", "abstain-JYT": "1"}
    token = page_csrf(client, path)
    response = client.post(
        path, data={"csrf_token": token, "action": "submit", **fields}, follow_redirects=True
    )
    assert "您的年终评价任务已办结" in response.get_data(as_text=True)
    assert inbox(client, bearer(client, "leader1")) == []
    assert len(inbox(client, bearer(client, "leader2"))) == 1  # the others' tasks stay open

    dept = client.application.test_client()
    sign_in(dept, "dept1")
    item = f"/evaluations/{YEAR}/departments/leadership"
    token = page_csrf(dept, item)
    dept.post(item, data={"csrf_token": token, "score-FGW": "14"})
    assert len(inbox(client, bearer(client, "dept1"))) == 1  # not complete yet: still open
    dept.post(item, data={"csrf_token": token, "score-GXT": "13", "skip-JYT": "1"})
    assert len(inbox(client, bearer(client, "dept1"))) == 1  # FGW was left blank this time
    dept.post(
        item, data={"csrf_token": token, "score-FGW": "14", "score-GXT": "13", "skip-JYT": "1"}
    )
    assert inbox(client, bearer(client, "dept1")) == []


def test_the_task_pages_show_what_is_being_decided(app: Any, client: FlaskClient) -> None:
    deploy(client)
    start(client, bearer(client, "office1"), "evaluations", data={"year": YEAR})
    submit_sheet("leader1", SheetKind.LEADER)
    task = only_task(client, bearer(client, "leader1"), "leader_rating")
    sign_in(client, "leader1")
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "省领导评价：Leader1" in page
    assert f"/evaluations/{YEAR}/sheets/leader" in page
    assert "Leader1：已提交" in page  # the one choice that completes the task

    office = app.test_client()
    sign_in(office, "office1")
    close = only_task(client, bearer(client, "office1"), "survey_close")
    page = office.get(f"/tasks/{close['id']}").get_data(as_text=True)
    assert "Leader2" in page and "领导班子考核（15分）：Dept1" in page
    assert "已关闭问卷，停止收集答卷" in page


@time_machine.travel(datetime(2027, 1, 4, 2, 0, tzinfo=UTC), tick=False)
def test_the_tasks_are_due_in_ten_working_days_unless_the_data_says_otherwise(
    client: FlaskClient,
) -> None:
    deploy(client)
    office = bearer(client, "office1")
    start(client, office, "evaluations", data={"year": YEAR})
    task = only_task(client, bearer(client, "group1"), "group_rating")
    assert task["due_at"] == "2027-01-18T23:59:59+08:00"
    response = client.post(
        "/api/v1/process-instances",
        headers=office,
        json={"process_key": "evaluations", "data": {"year": YEAR, "workdays": 0}},
    )
    assert response.get_json()["status"] == "error"
    assert "1 至 60" in response.get_json()["error"]["message"]
