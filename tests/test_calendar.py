"""Working days (SPEC §13, SECURITY R9): the 2026 arrangement, office entries, import, years
without data computed provisionally and recomputed once entered."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.calendar.models import CalendarDay, DayKind
from app.calendar.services import working_calendar
from app.calendar.workdays import WorkdayCalendar
from app.extensions import db
from app.workflow.models import HumanTask, ProcessInstance
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, start, upload

CALENDAR_2027 = """date,kind,note
2027-01-01,holiday,元旦
2027-01-04,holiday,测试假日
2027-01-05,holiday,测试假日
2027-02-20,workday,调休上班
"""


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2026-02-13", True),
        ("2026-02-14", True),
        ("2026-02-15", False),
        ("2026-02-23", False),
        ("2026-02-24", True),
        ("2026-09-20", True),
        ("2026-10-01", False),
        ("2026-10-10", True),
    ],
)
def test_the_2026_arrangement_around_the_holidays(day: str, workday: bool) -> None:
    assert WorkdayCalendar().is_workday(date.fromisoformat(day)) is workday


def test_an_appeal_deadline_before_the_spring_festival_counts_working_days() -> None:
    delivered = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)  # Friday before the festival
    deadline = WorkdayCalendar().workday_deadline(delivered, 5)
    # 14 (adjusted Saturday), then the festival 15–23, then 24, 25, 26, 27.
    assert deadline.isoformat() == "2026-02-27T23:59:59+08:00"
    assert deadline.astimezone(UTC).isoformat() == "2026-02-27T15:59:59+00:00"


def test_a_deadline_from_an_adjusted_working_sunday() -> None:
    deadline = WorkdayCalendar().workday_deadline("2026-09-20T10:00:00+08:00", 1)
    assert deadline.date() == date(2026, 9, 21)
    national_day = WorkdayCalendar().workday_deadline("2026-09-30T10:00:00+08:00", 1)
    assert national_day.date() == date(2026, 10, 8)


def test_a_year_without_data_is_computed_with_weekends_and_marked_provisional() -> None:
    calendar = WorkdayCalendar()
    assert calendar.add_workdays(date(2027, 1, 1), 1) == date(2027, 1, 4)
    assert calendar.provisional_years == {2027}
    entered = WorkdayCalendar(overrides={date(2027, 1, 4): False}, entered_years=frozenset({2027}))
    assert entered.add_workdays(date(2027, 1, 1), 1) == date(2027, 1, 5)
    assert entered.provisional_years == set()


def test_office_entries_override_the_package(app: Flask) -> None:
    db.session.add(CalendarDay(day=date(2026, 2, 24), kind=DayKind.HOLIDAY, note="test"))
    db.session.commit()
    from app.calendar.services import forget_calendar

    forget_calendar()
    assert working_calendar(db.session).is_workday(date(2026, 2, 24)) is False


def test_cli_import_reports_bad_lines_and_imports_nothing(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,kind,note\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-01-02,vacation,y\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 3" in result.output and "line 4" in result.output
    assert db.session.execute(select(CalendarDay)).first() is None


def test_cli_import_replaces_the_years_in_the_file(app: Flask, tmp_path: Path) -> None:
    db.session.add(CalendarDay(day=date(2027, 3, 3), kind=DayKind.HOLIDAY, note="old"))
    db.session.commit()
    good = tmp_path / "2027.csv"
    good.write_text(CALENDAR_2027, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2027" in result.output
    db.session.expire_all()
    days = {row.day for row in db.session.execute(select(CalendarDay)).scalars()}
    assert date(2027, 3, 3) not in days and date(2027, 2, 20) in days
    assert (
        db.session.execute(select(AuditEntry).where(AuditEntry.action == "calendar.import"))
        .scalar_one()
        .object_id
        == "2027"
    )


PROVISIONAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="year_end" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="report" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="wait" />
    <bpmn:userTask id="report" name="年终报告">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueDate"
          value="workday_deadline(datetime.fromisoformat(start_at), 2)" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>
        workday_deadline(datetime.fromisoformat(start_at), 3)
      </bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="report" targetRef="join" />
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f5" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


# The day the instance starts: 2027 is not yet entered, and its deadlines are still ahead.
@time_machine.travel(datetime(2026, 12, 31, 2, 0, tzinfo=UTC), tick=True)
def test_provisional_deadlines_warn_and_are_recomputed_after_import(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    make_unit("FGW")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    owner, office = bearer(client, "owner1"), bearer(client, "office1")
    assert upload(client, owner, ("year_end.bpmn", PROVISIONAL.encode())).status_code == 201
    started = start(client, office, "year_end", data={"start_at": "2026-12-31T10:00:00+08:00"})
    [task] = started["tasks"]
    # Weekends only: Jan 1 (Fri) and Jan 4 (Mon) are the 1st and 2nd working days.
    assert task["due_at"] == "2027-01-04T23:59:59+08:00"
    row = db.session.get(HumanTask, task["id"])
    instance = db.session.get(ProcessInstance, started["id"])
    assert row.due_provisional and instance.deadlines_provisional
    assert instance.next_timer_at.astimezone(UTC) == datetime(2027, 1, 5, 15, 59, 59, tzinfo=UTC)

    sign_in(client, "office1")
    warning = client.get("/").get_data(as_text=True)
    assert 'data-testid="calendar-warning"' in warning

    csv = io.BytesIO(CALENDAR_2027.encode())
    imported = client.post(
        "/calendar/import",
        data={"csrf_token": page_csrf(client, "/calendar/?year=2027"), "file": (csv, "2027.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    db.session.expire_all()
    row = db.session.get(HumanTask, task["id"])
    instance = db.session.get(ProcessInstance, started["id"])
    # Jan 1, 4, 5 are holidays now: the 2nd working day is Jan 7, the 3rd Jan 8.
    assert row.due_at.astimezone(UTC) == datetime(2027, 1, 7, 15, 59, 59, tzinfo=UTC)
    assert not row.due_provisional and not instance.deadlines_provisional
    assert instance.next_timer_at.astimezone(UTC) == datetime(2027, 1, 8, 15, 59, 59, tzinfo=UTC)
    actions = {a for a in db.session.execute(select(AuditEntry.action)).scalars()}
    assert {"task.due_recomputed", "instance.timers_recomputed", "calendar.import"} <= actions
    assert 'data-testid="calendar-warning"' not in client.get("/").get_data(as_text=True)


def test_the_calendar_page_shows_a_year_and_takes_an_entry(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, make_unit("FGW")))
    sign_in(client, "office1")
    page = client.get("/calendar/?year=2027").get_data(as_text=True)
    assert 'data-testid="year-unknown"' in page
    token = page_csrf(client, "/calendar/?year=2027")
    client.post(
        "/calendar/day",
        data={"csrf_token": token, "day": "2027-10-01", "kind": "holiday", "note": "国庆节"},
    )
    assert "2027-10-01" in client.get("/calendar/?year=2027").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit1")
    assert client.get("/calendar/").status_code == 403
