"""Reminders, overdue notices and escalations of human tasks, each sent once; the supervision
board; the notification centre."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.workdays import SHANGHAI, WorkdayCalendar, end_of_local_day
from app.db import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.supervision.services import on_time_rates
from app.workflow.models import HumanTask, InstanceEvent
from app.workflow.timers.task_deadlines import alert_due_tasks, working_days_late
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, complete, start, upload

DUE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="report_due" name="报送材料" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="unit_staff">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>report</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="report" />
    <bpmn:userTask id="report" name="报送材料">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueDate" value="due" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def people(client: FlaskClient) -> dict[str, Any]:
    unit = make_unit("FGW")
    users = {
        "owner": make_user("owner1", Role.PROCESS_OWNER),
        "office": make_user("office1", Role.OFFICE_STAFF),
        "staff": make_user("unit1", (Role.UNIT_STAFF, unit)),
        "head": make_user("head1", (Role.UNIT_HEAD, unit)),
        "supervisor": make_user("supervisor1", Role.SUPERVISOR),
        "director": make_user("director1", Role.OFFICE_DIRECTOR),
    }
    assert upload(client, bearer(client, "owner1"), ("due.bpmn", DUE.encode())).status_code == 201
    return users


def _inbox_of(user: Any) -> list[str]:
    db.session.expire_all()
    kinds = list(
        db.session.execute(
            select(Notification.kind)
            .where(  # the deadline alerts; new tasks and outcomes are told as well
                Notification.user_id == user.id,
                Notification.kind.not_in(["task", "returned", "outcome"]),
            )
            .order_by(Notification.id)
        ).scalars()
    )
    db.session.commit()
    return kinds


def test_reminder_overdue_and_escalation_are_each_sent_once(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    started = start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2026-12-10T17:00:00+08:00"},
    )
    task = db.session.get(HumanTask, started["tasks"][0]["id"])
    assert task.remind_at == _at("2026-12-09T09:00:00+08:00")
    assert task.escalate_at == _at("2026-12-15T23:59:59+08:00")  # 11, 14, 15 December
    db.session.commit()

    assert alert_due_tasks(db.session, now=_at("2026-12-09T08:59:00+08:00")) == 0
    assert alert_due_tasks(db.session, now=_at("2026-12-09T10:00:00+08:00")) == 1
    assert alert_due_tasks(db.session, now=_at("2026-12-09T11:00:00+08:00")) == 0
    db.session.commit()
    assert _inbox_of(people["staff"]) == ["reminder"]
    assert _inbox_of(people["head"]) == []

    assert alert_due_tasks(db.session, now=_at("2026-12-10T18:00:00+08:00")) == 1
    db.session.commit()
    assert _inbox_of(people["staff"]) == ["reminder", "overdue"]
    assert _inbox_of(people["head"]) == ["overdue"]
    assert _inbox_of(people["supervisor"]) == ["overdue"]
    assert _inbox_of(people["director"]) == []

    assert alert_due_tasks(db.session, now=_at("2026-12-16T09:00:00+08:00")) == 1
    assert alert_due_tasks(db.session, now=_at("2026-12-17T09:00:00+08:00")) == 0
    db.session.commit()
    assert _inbox_of(people["director"]) == ["escalation"]
    kinds = [
        k
        for k in db.session.execute(
            select(InstanceEvent.kind).where(InstanceEvent.instance_id == started["id"])
        ).scalars()
    ]
    assert kinds.count("task_overdue") == 1 and kinds.count("task_escalated") == 1


def test_a_late_completion_records_the_working_days_late(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    started = start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2026-11-02T17:00:00+08:00"},
    )
    task_id = started["tasks"][0]["id"]
    assert complete(client, bearer(client, "unit1"), task_id).status_code == 200
    event = db.session.execute(
        select(InstanceEvent).where(InstanceEvent.kind == "task_completed_late")
    ).scalar_one()
    expected = working_days_late(WorkdayCalendar(), _at("2026-11-02T17:00:00+08:00"), utcnow())
    assert event.detail["working_days_late"] == expected >= 1


def test_working_days_late_skips_holidays() -> None:
    calendar = WorkdayCalendar()
    due = _at("2026-09-30T17:00:00+08:00")
    assert working_days_late(calendar, due, _at("2026-09-30T18:00:00+08:00")) == 1
    assert working_days_late(calendar, due, _at("2026-10-08T10:00:00+08:00")) == 1
    assert working_days_late(calendar, due, _at("2026-10-09T10:00:00+08:00")) == 2
    assert working_days_late(calendar, due, _at("2026-09-30T16:00:00+08:00")) == 0


def test_the_supervision_board_chases_once_a_day_and_escalates(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2026-11-02T17:00:00+08:00"},
    )
    start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2030-01-02T17:00:00+08:00"},
    )
    late = bearer(client, "supervisor1")
    listed = client.get("/api/v1/tasks?overdue=1", headers=late).get_json()
    assert len(listed) == 1 and listed[0]["overdue"]  # not theirs to work, but theirs to chase

    sign_in(client, "supervisor1")
    page = client.get("/supervision/").get_data(as_text=True)
    assert 'data-testid="count-overdue">1<' in page and 'data-testid="count-on_time">1<' in page
    token = page_csrf(client, "/supervision/")
    task_id = listed[0]["id"]
    assert (
        client.post(f"/supervision/tasks/{task_id}/chase", data={"csrf_token": token}).status_code
        == 302
    )
    assert (
        client.post(f"/supervision/tasks/{task_id}/chase", data={"csrf_token": token}).status_code
        == 409
    )
    assert (
        client.post(
            f"/supervision/tasks/{task_id}/escalate", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert _inbox_of(people["staff"]) == ["chase"]
    assert set(_inbox_of(people["director"])) == {"escalation"}
    assert _inbox_of(people["head"]) == ["escalation"]


def test_unit_staff_cannot_open_the_board(client: FlaskClient, people: dict[str, Any]) -> None:
    sign_in(client, "unit1")
    assert client.get("/supervision/").status_code == 403


def test_the_bell_counts_unread_and_the_list_marks_them_read(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2026-11-02T17:00:00+08:00"},
    )
    alert_due_tasks(db.session, now=utcnow())
    db.session.commit()
    sign_in(client, "unit1")
    # The new task, and (the reminder time passed with the due date) only the overdue notice.
    assert 'data-testid="unread-count">2<' in client.get("/").get_data(as_text=True)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "报送材料" in listing
    client.post("/notifications/read", data={"csrf_token": page_csrf(client, "/notifications/")})
    assert 'data-testid="unread-count"' not in client.get("/").get_data(as_text=True)


def test_the_board_exports_to_excel(client: FlaskClient, people: dict[str, Any]) -> None:
    import io

    from openpyxl import load_workbook

    start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2026-11-02T17:00:00+08:00"},
    )
    sign_in(client, "supervisor1")
    response = client.get("/supervision/export.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "任务" and rows[1][0] == "报送材料" and rows[1][5] == "已逾期"
    # The workbook holds what the page shows: every filter of the page applies to it.
    page = client.get("/supervision/?lane=office&lateness=overdue").get_data(as_text=True)
    assert 'href="/supervision/export.xlsx?lane=office&amp;lateness=overdue"' in page
    for query, expected in (("lane=office", 1), ("lateness=on_time", 1), ("lane=unit", 2)):
        workbook = client.get(f"/supervision/export.xlsx?{query}").data
        assert len(list(load_workbook(io.BytesIO(workbook)).active.values)) == expected, query


def test_the_board_filters_by_lane_and_age(client: FlaskClient, people: dict[str, Any]) -> None:
    from datetime import timedelta

    from app.auth.services import actor_for
    from app.supervision.services import board

    start(
        client,
        bearer(client, "office1"),
        "report_due",
        unit_code="FGW",
        data={"due": "2030-11-02T17:00:00+08:00"},
    )
    supervisor = actor_for(people["supervisor"])
    now = utcnow()
    assert len(board(db.session, supervisor, now=now, lane="unit_staff")) == 1
    assert board(db.session, supervisor, now=now, lane="office") == []
    assert board(db.session, supervisor, now=now, min_age_days=1) == []
    assert len(board(db.session, supervisor, now=now + timedelta(days=2), min_age_days=1)) == 1


def test_a_due_date_given_as_a_day_ends_at_its_last_second(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    source = DUE.replace('value="due"', 'value="add_workdays(date(2026, 12, 10), 1)"')
    upload(
        client,
        bearer(client, "owner1"),
        ("due_day.bpmn", source.replace('id="report_due"', 'id="report_due_day"').encode()),
    )
    started = start(client, bearer(client, "office1"), "report_due_day", unit_code="FGW")
    assert started["tasks"][0]["due_at"] == "2026-12-11T23:59:59+08:00"


def test_on_time_rates_count_late_completions_per_unit_and_process_name(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    office, staff = bearer(client, "office1"), bearer(client, "unit1")
    for due in ("2026-11-02T17:00:00+08:00", "2030-01-02T17:00:00+08:00"):
        started = start(client, office, "report_due", unit_code="FGW", data={"due": due})
        assert complete(client, staff, started["tasks"][0]["id"]).status_code == 200
    start(client, office, "report_due", unit_code="FGW", data={"due": "2030-01-02T17:00:00+08:00"})

    actor = people["supervisor"]
    with client.application.test_request_context():
        by_unit, by_process = on_time_rates(
            db.session,
            actor_for(actor, None),
            since=_at("2026-01-01T00:00:00+08:00"),
            until=utcnow(),
        )
    assert [(r.label, r.done, r.on_time, r.percent) for r in by_process] == [
        ("报送材料", 2, 1, 50.0)  # the open task does not count; the process by its name
    ]
    assert [(r.done, r.on_time) for r in by_unit] == [(2, 1)]
    sign_in(client, "supervisor1")
    page = client.get("/supervision/").get_data(as_text=True)
    assert "<span>报送材料</span><span>50% (1/2)</span>" in page


def test_the_dashboard_lists_the_soonest_tasks_the_late_ones_and_unread_alerts(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    office = bearer(client, "office1")
    for due in ("2030-01-02T17:00:00+08:00", "2026-11-02T17:00:00+08:00"):
        start(client, office, "report_due", unit_code="FGW", data={"due": due})
    alert_due_tasks(db.session, now=utcnow())
    db.session.commit()

    sign_in(client, "unit1")
    page = client.get("/").get_data(as_text=True)
    tasks = page[page.index('data-testid="dashboard-tasks"') : page.index("dashboard-alerts")]
    assert tasks.count('href="/tasks/') == 2
    assert tasks.index("2026-11-02 17:00") < tasks.index("2030-01-02 17:00")  # soonest first
    alerts = page[page.index('data-testid="dashboard-alerts"') :]
    assert "1 项待办已逾期" in alerts and "任务已逾期" in alerts
    client.post("/notifications/read", data={"csrf_token": page_csrf(client, "/notifications/")})
    assert "任务已逾期" not in client.get("/").get_data(as_text=True)  # only unread alerts


def test_the_inbox_filters_by_due_window_on_the_page_and_the_api(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    office, staff = bearer(client, "office1"), bearer(client, "unit1")
    today = utcnow().astimezone(SHANGHAI).date()
    for days in (0, 2, 5, 30):
        due = end_of_local_day(today + timedelta(days=days)).isoformat()
        start(client, office, "report_due", unit_code="FGW", data={"due": due})

    def due_dates(query: str) -> list[str]:
        response = client.get(f"/api/v1/tasks{query}", headers=staff)
        assert response.status_code == 200, response.get_json()
        return [t["due_at"][:10] for t in response.get_json()]

    on = [(today + timedelta(days=d)).isoformat() for d in (0, 2, 5, 30)]
    assert due_dates("") == on
    assert due_dates(f"?due_before={on[1]}") == on[:2]  # the whole of that day counts
    assert due_dates(f"?due_before={on[2]}T00:00:00%2B08:00") == on[:2]
    bad = client.get("/api/v1/tasks?due_before=next-week", headers=staff)
    assert bad.status_code == 400 and "due_before" in bad.get_data(as_text=True)

    sign_in(client, "unit1")
    for window, expected in (("today", 1), ("3d", 2), ("7d", 3), ("", 4)):
        page = client.get(f"/tasks?due={window}").get_data(as_text=True)
        assert page.count('href="/tasks/') - page.count('href="/tasks/done"') == expected, window
