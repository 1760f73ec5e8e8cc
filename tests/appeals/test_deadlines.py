"""Appeal and reply deadlines in working days (SPEC §10, §13): across the 2026 Spring Festival,
across adjusted working Saturdays, and into 2027, whose calendar is not entered yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.models import Appeal
from app.auth.models import User
from app.calendar.workdays import SHANGHAI, WorkdayCalendar
from app.extensions import db
from app.notifications.models import Notification
from app.workflow.models import HumanTask, ProcessInstance
from app.workflow.timers.task_deadlines import alert_due_tasks
from tests.appeals.drive import deliver, file_appeal, sign
from tests.indicators.drive import only_task
from tests.workflow.helpers import bearer, start


def _local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def _respond_task() -> HumanTask:
    db.session.expire_all()
    task = db.session.execute(select(HumanTask).where(HumanTask.spec_id == "respond")).scalar_one()
    db.session.commit()
    return task


def _instance(instance_id: int) -> ProcessInstance:
    db.session.expire_all()
    found = db.session.get(ProcessInstance, instance_id)
    assert found is not None
    db.session.commit()
    return found


@pytest.mark.parametrize(
    ("delivered", "due"),
    [
        # Thursday before the Spring Festival (15–23 February): 13, 14 (Saturday, a working
        # day), 24, 25, 26 February
        (_local(2026, 2, 12, 10, 0), _local(2026, 2, 26, 23, 59, 59)),
        # a Friday: the adjusted working Saturday 14 February is the first working day
        (_local(2026, 2, 13, 16, 30), _local(2026, 2, 27, 23, 59, 59)),
        # delivered on the working Saturday itself: it is not counted; the fifth day is the
        # next adjusted working Saturday, 28 February
        (_local(2026, 2, 14, 9, 0), _local(2026, 2, 28, 23, 59, 59)),
        # delivered late in the evening: the day of delivery counts by its China date
        (_local(2026, 2, 24, 23, 30), _local(2026, 3, 2, 23, 59, 59)),
    ],
)
def test_the_appeal_window_ends_on_the_fifth_working_day_after_delivery(
    province: FlaskClient, delivered: datetime, due: datetime
) -> None:
    assert WorkdayCalendar().workday_deadline(delivered, 5) == due
    with time_machine.travel(delivered, tick=False):
        started = deliver(province, "NYT", delivered)
    assert started["tasks"][0]["due_at"] == due.isoformat()
    instance = _instance(started["id"])
    assert instance.next_timer_at == due
    assert not instance.deadlines_provisional and not _respond_task().due_provisional


def test_delivered_at_defaults_to_now_and_a_naive_time_is_china_time(
    province: FlaskClient,
) -> None:
    office = bearer(province, "office1")
    with time_machine.travel(_local(2026, 2, 13, 16, 30), tick=False):
        started = start(province, office, "appeal", unit_code="NYT", data={"year": 2026})
        assert started["tasks"][0]["due_at"] == "2026-02-27T23:59:59+08:00"
        naive = start(
            province,
            office,
            "appeal",
            unit_code="FGW",
            data={"year": 2026, "delivered_at": "2026-02-24T09:00:00"},
        )
        assert naive["tasks"][0]["due_at"] == "2026-03-02T23:59:59+08:00"


def test_a_bad_delivery_time_leaves_the_instance_in_error_naming_it(
    province: FlaskClient,
) -> None:
    started = start(
        province,
        bearer(province, "office1"),
        "appeal",
        unit_code="NYT",
        data={"year": 2026, "delivered_at": "next week"},
    )
    assert started["status"] == "error"
    assert "送达时间须为 ISO 日期时间" in (started["error"] or {}).get("message", "")


def test_the_reply_is_due_ten_working_days_after_receipt_and_escalates_to_the_director(
    province: FlaskClient,
) -> None:
    delivered = _local(2026, 2, 12, 10, 0)
    with time_machine.travel(delivered, tick=False):
        deliver(province, "NYT", delivered)
        file_appeal(province, "unit1")
    with time_machine.travel(_local(2026, 2, 13, 11, 0), tick=False):
        sign(province, "head1")
    office = only_task(province, bearer(province, "office1"), "office_review")
    # received 13 February: 14 (Saturday), 24 to 28 February (a Saturday), 2 to 5 March
    assert office["due_at"] == "2026-03-05T23:59:59+08:00"
    task = db.session.get(HumanTask, office["id"])
    assert task is not None
    assert task.remind_at == _local(2026, 3, 2, 9, 0)  # three working days before
    assert task.escalate_at == _local(2026, 3, 6, 23, 59, 59)  # one working day after
    db.session.commit()
    appeal = db.session.execute(select(Appeal)).scalar_one()
    assert appeal.received_at == _local(2026, 2, 13, 11, 0)
    assert appeal.reply_due_at == _local(2026, 3, 5, 23, 59, 59)
    db.session.commit()

    assert alert_due_tasks(db.session, now=_local(2026, 3, 7, 0, 0).astimezone(UTC)) >= 1
    db.session.commit()
    kinds = _notifications()
    assert ("director1", "escalation") in kinds
    assert ("office1", "overdue") in kinds


def _notifications() -> set[tuple[str, str]]:

    rows = db.session.execute(
        select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
    ).all()
    db.session.commit()
    return {(username, kind) for username, kind in rows}


def test_a_deadline_in_2027_is_provisional_until_the_calendar_is_imported(
    province: FlaskClient, runner: Any, tmp_path: Path
) -> None:
    delivered = _local(2027, 2, 10, 10, 0)  # a Wednesday; 2027 has no official data yet
    with time_machine.travel(delivered, tick=False):
        started = deliver(province, "NYT", delivered)
    weekends_only = _local(2027, 2, 17, 23, 59, 59)  # 11, 12, 15, 16, 17 February
    assert started["tasks"][0]["due_at"] == weekends_only.isoformat()
    assert _respond_task().due_provisional
    assert _instance(started["id"]).deadlines_provisional

    arrangement = tmp_path / "2027.csv"
    holidays = [f"2027-02-{day},holiday,春节" for day in range(15, 20)]
    arrangement.write_text(
        "date,kind,note\n" + "\n".join([*holidays, "2027-02-20,workday,春节调休上班"]) + "\n",
        encoding="utf-8",
    )
    with time_machine.travel(delivered + timedelta(hours=1), tick=False):
        result = runner.invoke(args=["calendar", "import", str(arrangement)])
    assert result.exit_code == 0, result.output
    # 11, 12, 20 (adjusted Saturday), 22, 23 February
    recomputed = _local(2027, 2, 23, 23, 59, 59)
    task = _respond_task()
    assert (task.due_at, task.due_provisional) == (recomputed, False)
    instance = _instance(started["id"])
    assert (instance.next_timer_at, instance.deadlines_provisional) == (recomputed, False)

    # the window is still open after the provisional deadline, and closes at the new one
    with time_machine.travel(_local(2027, 2, 22, 9, 0), tick=False):
        file_appeal(province, "unit1")
        sign(province, "head1")
    assert only_task(province, bearer(province, "office1"), "office_review")
