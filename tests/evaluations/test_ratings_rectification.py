"""A bad review with a comment opens the unit's rectification (bpmn/rectification.bpmn): due in
working days by the office's calendar, signed by the head, reviewed by the office, and answered
to a rater who left a contact."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.calendar.services import working_calendar
from app.evaluations.ratings.models import DailyRating
from app.extensions import db
from app.org.models import Unit
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from tests.evaluations.ratings_helpers import rate
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, complete, inbox, instance, start

ROOT = Path(__file__).resolve().parents[2]
# 10:00 in Shanghai on the last working day before the National Day holidays.
EVE_OF_HOLIDAYS = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def unit(app: Flask, client: FlaskClient) -> Iterator[Unit]:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    unit = make_unit("FGW", name="省发展改革委")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("office1", Role.OFFICE_STAFF)
    path = ROOT / "bpmn" / "rectification.bpmn"
    response = client.post(
        "/api/v1/process-definitions",
        headers=bearer(client, "owner1"),
        data={"file": [(io.BytesIO(path.read_bytes()), path.name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    with time_machine.travel(EVE_OF_HOLIDAYS, tick=False):
        yield unit


def _rating() -> DailyRating:
    db.session.expire_all()
    return db.session.execute(select(DailyRating)).scalar_one()


def _task(client: FlaskClient, user: str, spec_id: str) -> dict[str, Any]:
    headers = bearer(client, user)
    [found] = [t for t in inbox(client, headers) if t["spec_id"] == spec_id]
    detail = client.get(f"/api/v1/tasks/{found['id']}", headers=headers).get_json()
    return dict(detail)


def _work(client: FlaskClient, user: str, spec_id: str, **data: Any) -> dict[str, Any]:
    task = _task(client, user, spec_id)
    response = complete(client, bearer(client, user), task["id"], **data)
    assert response.status_code == 200, response.get_json()
    return task


def test_a_bad_review_with_a_comment_opens_a_rectification_due_in_five_working_days(
    client: FlaskClient, unit: Unit
) -> None:
    assert rate(client, unit.rating_token, 1, comment="窗口人员态度差").status_code == 303
    rating = _rating()
    assert rating.rectification_instance_id is not None
    started = db.session.get(ProcessInstance, rating.rectification_instance_id)
    assert started is not None and started.unit_id == unit.id
    assert started.data["kind"] == "bad_review" and started.data["year"] == 2026
    task = db.session.execute(
        select(HumanTask).where(
            HumanTask.instance_id == started.id, HumanTask.state == HumanTaskState.READY
        )
    ).scalar_one()
    expected = working_calendar(db.session).workday_deadline(EVE_OF_HOLIDAYS, 5)
    assert task.spec_id == "reply" and task.due_at == expected
    assert expected.date() > date(2026, 10, 7)  # the Golden Week holidays are not counted
    assert task.remind_at is not None and task.escalate_at is not None
    shown = _task(client, "unit1", "reply")
    assert shown["data"]["subject"] == "非常不满意：窗口人员态度差"
    assert shown["data"]["kind_label"] == "群众差评整改"
    staff = client.application.test_client()
    sign_in(staff, "unit1")
    html = staff.get(f"/tasks/{shown['id']}").get_data(as_text=True)
    assert "窗口人员态度差" in html and "群众差评整改" in html and "整改情况及答复" in html


@pytest.mark.parametrize(("level", "comment"), [(2, ""), (3, "一般"), (5, "很好")])
def test_other_ratings_open_no_rectification(
    client: FlaskClient, unit: Unit, level: int, comment: str
) -> None:
    assert rate(client, unit.rating_token, level, comment=comment).status_code == 303
    assert _rating().rectification_instance_id is None
    assert db.session.execute(select(ProcessInstance)).first() is None


def test_the_reply_goes_through_the_head_and_the_office_back_to_the_rater(
    client: FlaskClient, unit: Unit
) -> None:
    rate(client, unit.rating_token, 2, comment="材料要求反复变", contact="13800000000")
    instance_id = _rating().rectification_instance_id
    assert instance_id is not None
    _work(client, "unit1", "reply", reply="已统一一次性告知清单")
    signing = _work(client, "head1", "head_sign", head_decision="return", head_comment="写清时限")
    assert signing["data"]["reply"] == "已统一一次性告知清单"
    again = _work(client, "unit1", "reply", reply="已统一清单，本月底前上线")
    assert again["data"]["head_comment"] == "写清时限"
    _work(client, "head1", "head_sign", head_decision="sign")
    review = _work(
        client, "office1", "office_review", office_decision="return", office_comment="请附清单"
    )
    assert review["data"]["reply"] == "已统一清单，本月底前上线"
    assert review["data"]["subject"] == "不满意：材料要求反复变"
    third = _task(client, "unit1", "reply")
    assert third["data"]["office_comment"] == "请附清单"
    assert [(o["step"], o["comment"]) for o in third["data"]["opinions"]] == [
        ("单位负责人签发", "写清时限"),
        ("单位负责人签发", ""),
        ("省绩效办审核", "请附清单"),
    ]
    _work(client, "unit1", "reply", reply="清单已公布")
    last_signing = _work(client, "head1", "head_sign", head_decision="sign")
    assert last_signing["data"]["head_comment"] == ""  # not the earlier round's reasons
    last_review = _work(client, "office1", "office_review", office_decision="accept")
    assert last_review["data"]["office_comment"] == ""
    assert len(last_review["data"]["opinions"]) == 4
    finished = instance(client, bearer(client, "office1"), instance_id)
    assert finished["status"] == "completed"
    assert finished["data"]["returned_to_rater"] is True
    assert _rating().returned_to_rater_at is not None
    assert db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "rating.returned_to_rater")
    ).scalar_one().object_id == str(_rating().id)


def test_returning_without_reasons_is_refused(client: FlaskClient, unit: Unit) -> None:
    rate(client, unit.rating_token, 1, comment="不满意")
    _work(client, "unit1", "reply", reply="已整改")
    task = _task(client, "head1", "head_sign")
    refused = complete(client, bearer(client, "head1"), task["id"], head_decision="return")
    assert refused.status_code == 422


def test_other_kinds_start_it_with_their_own_working_days(client: FlaskClient, unit: Unit) -> None:
    office = bearer(client, "office1")
    started = start(
        client,
        office,
        "rectification",
        unit_code="FGW",
        data={"year": 2026, "kind": "appeal", "subject": "复核发现的问题"},
    )
    [task] = [
        t for t in inbox(client, bearer(client, "unit1")) if t["instance_id"] == started["id"]
    ]
    expected = working_calendar(db.session).workday_deadline(EVE_OF_HOLIDAYS, 5)
    assert datetime.fromisoformat(task["due_at"]) == expected
    longer = start(
        client,
        office,
        "rectification",
        unit_code="FGW",
        data={"year": 2026, "kind": "results", "subject": "结果反馈", "workdays": 10},
    )
    [task] = [t for t in inbox(client, bearer(client, "unit1")) if t["instance_id"] == longer["id"]]
    later = working_calendar(db.session).workday_deadline(EVE_OF_HOLIDAYS, 10)
    assert datetime.fromisoformat(task["due_at"]) == later
    assert later - expected >= timedelta(days=5)


def test_a_rating_is_kept_when_the_procedure_is_not_deployed(
    app: Flask, client: FlaskClient
) -> None:
    other = make_unit("NYT")
    with time_machine.travel(EVE_OF_HOLIDAYS, tick=False):
        assert rate(client, other.rating_token, 1, comment="差").status_code == 303
    assert _rating().rectification_instance_id is None


def test_a_flagged_bad_review_waits_for_the_office_to_find_it_valid(
    app: Flask, client: FlaskClient, unit: Unit
) -> None:
    app.config["RATING_BURST_THRESHOLD"] = 1  # every rating counts as a burst
    rate(client, unit.rating_token, 1, comment="刷差评")
    rating = _rating()
    assert rating.flagged and rating.rectification_instance_id is None
    office = app.test_client()
    sign_in(office, "office1")
    token = page_csrf(office, "/ratings/moderation")
    office.post(f"/ratings/moderation/{rating.id}", data={"decision": "valid", "csrf_token": token})
    assert _rating().rectification_instance_id is not None
    assert any(t["spec_id"] == "reply" for t in inbox(client, bearer(client, "unit1")))
