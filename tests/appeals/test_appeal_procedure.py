"""The `appeal` procedure driven through the API by the unit's staff, its head and the office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.models import AppealDecision, DeliveryState, ResultDelivery
from app.appeals.trail import appeal_trail
from app.audit.models import AuditEntry
from app.calendar.workdays import SHANGHAI
from app.extensions import db
from app.scoring.services import latest_run
from app.workflow.models import HumanTask, HumanTaskState
from app.workflow.timers.scheduler import run_tick
from tests.appeals.drive import deliver, file_appeal, review, sign
from tests.factories import sign_in
from tests.indicators.drive import only_task, work
from tests.workflow.helpers import bearer, complete, inbox, instance

# Thursday before the 2026 Spring Festival: the 5th working day after it is 26 February.
DELIVERED = datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI)
APPEAL_DUE = datetime(2026, 2, 26, 23, 59, 59, tzinfo=SHANGHAI)


def _grades() -> dict[str, str]:
    db.session.expire_all()
    run = latest_run(db.session, 2026)
    grades = {row.unit.code: row.proposed_grade.value for row in run.rows}
    db.session.commit()
    return grades


def _delivery(unit_code: str) -> ResultDelivery:
    db.session.expire_all()
    return next(
        d
        for d in db.session.execute(select(ResultDelivery).order_by(ResultDelivery.id)).scalars()
        if d.unit.code == unit_code
    )


def test_an_upheld_appeal_makes_a_new_score_version_that_changes_a_grade(
    province: FlaskClient,
) -> None:
    client = province
    assert _grades() == {"FGW": "优秀", "NYT": "良好", "GXT": "合格"}
    with time_machine.travel(DELIVERED, tick=False):
        started = deliver(client, "NYT", DELIVERED)
    assert started["tasks"][0]["due_at"] == APPEAL_DUE.isoformat()

    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SHANGHAI), tick=False):
        respond = only_task(client, bearer(client, "unit1"), "respond")
        assert respond["data"]["delivered_score"] == [
            {"version": 1, "category": "经济发展类", "I": "87.00", "P": "95.00", "E": "90.47",
             "T": "90.31", "rank": 2, "grade": "良好"}
        ]  # fmt: skip
        document = file_appeal(client, "unit1")
        head = sign(client, "head1")
        assert head["data"]["appeal_text"] == "第1项指标已全部完成，请予复核。"
        assert head["data"]["delivered_score"] == respond["data"]["delivered_score"]

    office = only_task(client, bearer(client, "office1"), "office_review")
    # received Tuesday 24 February: ten working days (28 February is one) end on 9 March
    assert office["due_at"] == "2026-03-09T23:59:59+08:00"
    assert office["data"]["appeal_document"] == document
    assert office["data"]["head_comment"] == "同意申诉"
    rows = {row["key"]: row for row in office["data"]["corrections"]}
    assert rows["indicators[0].completion"]["current"] == "0.8"
    assert rows["departmental.leadership"]["current"] == "14"
    assert set(rows) >= {"deductions", "bonuses"}
    task_row = db.session.get(HumanTask, office["id"])
    assert task_row.escalate_at == datetime(2026, 3, 10, 23, 59, 59, tzinfo=SHANGHAI)
    db.session.commit()

    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        review(
            client,
            office_decision="upheld",
            reply="经复核，第1项指标完成度更正为1。",
            corrected={"indicators[0].completion": "1"},
        )
    assert _grades() == {"FGW": "良好", "NYT": "优秀", "GXT": "合格"}

    reply = only_task(client, bearer(client, "unit1"), "read_reply")
    assert reply["data"]["reply"] == "经复核，第1项指标完成度更正为1。"
    assert reply["data"]["office_conclusion"] == "申诉成立，已更正计分"
    assert reply["data"]["changed_inputs"] == [
        {"label": "第1项指标核定完成度（权重 30）", "old": "0.8", "new": "1"}
    ]
    assert reply["data"]["current_score"][0]["grade"] == "优秀"
    assert reply["data"]["current_score"][0]["version"] == 2
    work(client, "unit1", "read_reply", acknowledged=True)
    assert instance(client, bearer(client, "office1"), started["id"])["status"] == "completed"

    decision = db.session.execute(select(AppealDecision)).scalar_one()
    assert (decision.version_before, decision.version_after) == (1, 2)
    assert decision.decided_by_name == "office1"
    run = latest_run(db.session, 2026)
    assert "申诉" in run.reason
    trail = appeal_trail(db.session, 2026, "NYT")
    [delivered] = trail["deliveries"]
    assert delivered["state"] == "upheld"
    [appeal] = delivered["appeals"]
    assert appeal["filed_by"] == "head1"
    assert appeal["decision"]["changes"][0]["input"] == "indicators[0].completion"
    assert appeal["decision"]["decided_by"] == "office1"
    actions = set(db.session.execute(select(AuditEntry.action)).scalars())
    assert {"results.deliver", "appeal.receive", "appeal.decide", "scores.store"} <= actions


def test_a_rejected_appeal_changes_nothing(province: FlaskClient) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        started = deliver(client, "NYT", DELIVERED)
        file_appeal(client, "unit1")
        sign(client, "head1")
        review(client, office_decision="rejected", reply="经复核，原计分依据准确，维持原结果。")
    assert _grades() == {"FGW": "优秀", "NYT": "良好", "GXT": "合格"}
    assert latest_run(db.session, 2026).version == 1
    decision = db.session.execute(select(AppealDecision)).scalar_one()
    assert (decision.outcome.value, decision.changes, decision.version_after) == (
        "rejected",
        [],
        None,
    )
    reply = only_task(client, bearer(client, "unit1"), "read_reply")
    assert reply["data"]["changed_inputs"] == []
    assert reply["data"]["office_conclusion"] == "申诉不成立，维持原考核结果"
    assert reply["data"]["current_score"][0]["version"] == 1
    work(client, "unit1", "read_reply", acknowledged=True)
    assert instance(client, bearer(client, "unit1"), started["id"])["status"] == "completed"


def test_an_upheld_appeal_without_a_correction_comes_back_to_the_office(
    province: FlaskClient,
) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        deliver(client, "NYT", DELIVERED)
        file_appeal(client, "unit1")
        sign(client, "head1")
        review(client, office_decision="upheld", reply="予以采纳。")
        again = only_task(client, bearer(client, "office1"), "office_review")
        assert again["data"]["decision_problems"] == ["申诉成立的，须至少更正一项计分依据。"]
        review(
            client,
            office_decision="upheld",
            reply="予以采纳。",
            corrected={"indicators[0].completion": "1.5"},
        )
        third = only_task(client, bearer(client, "office1"), "office_review")
        assert "indicators[0].completion" in third["data"]["decision_problems"][0]
    assert latest_run(db.session, 2026).version == 1


def test_the_head_may_return_the_appeal_to_the_staff(province: FlaskClient) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        deliver(client, "NYT", DELIVERED)
        file_appeal(client, "unit1")
        work(client, "head1", "head_sign", head_decision="return", head_comment="理由不充分")
        again = only_task(client, bearer(client, "unit1"), "respond")
        assert again["data"]["head_comment"] == "理由不充分"
        work(client, "unit1", "respond", response="accept")
    assert _delivery("NYT").state is DeliveryState.ACCEPTED


def test_the_window_closes_unanswered_when_the_timer_fires(province: FlaskClient) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        started = deliver(client, "NYT", DELIVERED)
    just_before = APPEAL_DUE - timedelta(seconds=1)
    with time_machine.travel(just_before, tick=False):
        assert run_tick(db.session, now=just_before.astimezone(UTC)) == 0
    after = APPEAL_DUE + timedelta(seconds=1)
    with time_machine.travel(after, tick=False):
        assert run_tick(db.session, now=after.astimezone(UTC)) == 1
    body = instance(client, bearer(client, "office1"), started["id"])
    assert body["status"] == "completed"
    assert "window_closed" in [event["element_id"] for event in body["events"]]
    assert inbox(client, bearer(client, "unit1")) == []
    assert _delivery("NYT").state is DeliveryState.WINDOW_CLOSED
    assert not db.session.execute(
        select(HumanTask).where(HumanTask.state == HumanTaskState.READY)
    ).first()


def test_a_late_appeal_is_refused_naming_the_deadline(province: FlaskClient) -> None:
    """The appeal is filed after the deadline, before the scheduler fired the window's timer."""
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        started = deliver(client, "NYT", DELIVERED)
    with time_machine.travel(APPEAL_DUE + timedelta(minutes=5), tick=False):
        file_appeal(client, "unit1")
    body = instance(client, bearer(client, "unit1"), started["id"])
    assert body["status"] == "completed"
    assert body["data"]["refusal"] == (
        "申诉期限已于 2026-02-26 23:59:59 截止（送达后第 5 个工作日），逾期申诉不予受理。"
    )
    assert inbox(client, bearer(client, "head1")) == []
    assert _delivery("NYT").state is DeliveryState.REFUSED_LATE
    [appeal] = appeal_trail(db.session, 2026, "NYT")["deliveries"][0]["appeals"]
    assert appeal["status"] == "refused_late" and "2026-02-26 23:59:59" in appeal["refusal"]


def test_an_appeal_signed_after_the_deadline_is_refused(province: FlaskClient) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        deliver(client, "NYT", DELIVERED)
        file_appeal(client, "unit1")
    with time_machine.travel(APPEAL_DUE + timedelta(seconds=30), tick=False):
        sign(client, "head1")
    assert inbox(client, bearer(client, "office1")) == []
    assert _delivery("NYT").state is DeliveryState.REFUSED_LATE


def test_a_completion_missing_the_appeal_document_is_refused_at_the_field(
    province: FlaskClient,
) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        deliver(client, "NYT", DELIVERED)
        headers = bearer(client, "unit1")
        task = only_task(client, headers, "respond")
        response = complete(
            client, headers, task["id"], response="appeal", appeal_text="对结果有异议"
        )
    assert response.status_code == 422
    assert [d["path"] for d in response.get_json()["error"]["details"]] == ["appeal_document"]


def test_a_back_dated_delivery_starts_with_its_window_already_closed(
    province: FlaskClient,
) -> None:
    """Started through the API with a delivery long past: nothing is left to appeal."""
    client = province
    with time_machine.travel(datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI), tick=False):
        started = deliver(client, "NYT", DELIVERED)
    assert started["status"] == "completed" and started["tasks"] == []
    body = instance(client, bearer(client, "office1"), started["id"])
    assert "window_closed" in [event["element_id"] for event in body["events"]]
    assert inbox(client, bearer(client, "unit1")) == []
    assert _delivery("NYT").state is DeliveryState.WINDOW_CLOSED


def test_the_task_pages_show_each_step_with_what_it_decides_on(
    app: Flask, province: FlaskClient
) -> None:
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        deliver(client, "NYT", DELIVERED)
        staff = app.test_client()
        sign_in(staff, "unit1")
        respond = only_task(client, bearer(client, "unit1"), "respond")
        page = staff.get(f"/tasks/{respond['id']}").get_data(as_text=True)
        assert "送达的考核结果" in page and "90.31" in page and "良好" in page
        file_appeal(client, "unit1")
        head = app.test_client()
        sign_in(head, "head1")
        signing = only_task(client, bearer(client, "head1"), "head_sign")
        page = head.get(f"/tasks/{signing['id']}").get_data(as_text=True)
        assert "第1项指标已全部完成，请予复核。" in page and "同意申诉，签字报省绩效办" in page
        sign(client, "head1")
        office = app.test_client()
        sign_in(office, "office1")
        task = only_task(client, bearer(client, "office1"), "office_review")
        page = office.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "第1项指标已全部完成，请予复核。" in page and "同意申诉" in page
    assert "第1项指标核定完成度（权重 30）" in page
    assert "部门评价：领导班子和领导干部年度考核" in page and "申诉成立，更正计分" in page


def test_the_heads_signature_must_come_within_the_window(province: FlaskClient) -> None:
    """Filed in time but not signed by the deadline: the window closes and nothing is appealed."""
    client = province
    with time_machine.travel(DELIVERED, tick=False):
        started = deliver(client, "NYT", DELIVERED)
        file_appeal(client, "unit1")
    assert [t["spec_id"] for t in inbox(client, bearer(client, "head1"))] == ["head_sign"]
    after = APPEAL_DUE + timedelta(seconds=1)
    with time_machine.travel(after, tick=False):
        assert run_tick(db.session, now=after.astimezone(UTC)) == 1
    body = instance(client, bearer(client, "office1"), started["id"])
    assert body["status"] == "completed"
    assert "head_window_closed" in [event["element_id"] for event in body["events"]]
    assert inbox(client, bearer(client, "head1")) == []
    assert _delivery("NYT").state is DeliveryState.WINDOW_CLOSED
