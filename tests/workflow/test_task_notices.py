"""Everyone is told (issue 18): a new task reaches whoever may work it, work sent back is told
as such, the outcome (the end event's name) reaches everyone who worked in the procedure, a
done task's notices are cleared, and email goes through the outbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.notifications.models import Notification, OutboxMessage
from app.workflow.models import InstanceStatus, ProcessInstance
from app.workflow.timers.scheduler import run_tick
from tests.factories import make_unit, make_user, sign_in
from tests.workflow.helpers import DIAGRAMS, bearer, complete, inbox, start, upload

NAMED_END = (
    (DIAGRAMS / "review_lanes.bpmn")
    .read_text(encoding="utf-8")
    .replace('<bpmn:endEvent id="done" />', '<bpmn:endEvent id="done" name="已审定" />')
    .encode()
)


@pytest.fixture
def people(client: FlaskClient) -> dict[str, Any]:
    unit = make_unit("FGW")
    users = {
        "owner": make_user("owner1", Role.PROCESS_OWNER),
        "office": make_user("office1", Role.OFFICE_STAFF),
        "staff": make_user("unit1", (Role.UNIT_STAFF, unit)),
        "head": make_user("head1", (Role.UNIT_HEAD, unit)),
    }
    users["staff"].email = "unit1@example.gov.cn"
    db.session.commit()
    assert upload(client, bearer(client, "owner1"), ("review_lanes.bpmn", NAMED_END)).status_code
    return users


def _notices(user: Any) -> list[tuple[str, str, str | None, bool]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).scalars()
    found = [(n.kind, n.title, n.link, n.read_at is not None) for n in rows]
    db.session.commit()
    return found


def _work(client: FlaskClient, username: str, **data: Any) -> str:
    headers = bearer(client, username)
    (task,) = inbox(client, headers)
    assert complete(client, headers, task["id"], **data).status_code == 200
    return str(task["id"])


def test_new_tasks_returns_and_the_outcome_are_told_and_done_tasks_cleared(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    started = start(client, bearer(client, "office1"), "review_lanes", unit_code="FGW")
    draft = started["tasks"][0]["id"]
    assert _notices(people["staff"]) == [("task", "新任务：起草指标", f"/tasks/{draft}", False)]
    emails = db.session.execute(select(OutboxMessage.recipient)).scalars().all()
    assert emails == ["unit1@example.gov.cn"]
    db.session.commit()

    _work(client, "unit1", title="推进营商环境改革", weight=20)
    assert _notices(people["staff"])[0][3] is True  # the done task's notice is cleared
    (sign,) = _notices(people["head"])
    assert sign[:2] == ("task", "新任务：负责人审核") and sign[3] is False

    _work(client, "head1", decision="return")
    assert _notices(people["staff"])[-1][:2] == ("returned", "退回修改：起草指标")

    _work(client, "unit1", title="推进营商环境改革", weight=30)
    _work(client, "head1", decision="approve")
    outcome = ("outcome", "单位起草-负责人审核：已审定", f"/instances/{started['id']}", False)
    for who in ("staff", "head", "office"):
        assert _notices(people[who])[-1] == outcome
    assert all(read for kind, _t, _l, read in _notices(people["head"]) if kind == "task")


DEADLINE_END = (
    NAMED_END.decode()
    .replace('id="review_lanes" name="单位起草-负责人审核"', 'id="review_deadline" name="限期起草"')
    .replace('processRef="review_lanes"', 'processRef="review_deadline"')
    .replace(
        '<bpmn:endEvent id="done" name="已审定" />',
        """<bpmn:endEvent id="done" name="已审定" />
    <bpmn:boundaryEvent id="late" name="逾期未办" attachedToRef="draft" cancelActivity="true">
      <bpmn:timerEventDefinition id="late_timer">
        <bpmn:timeDuration>"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="missed" />
    <bpmn:endEvent id="missed" name="未按期办理" />""",
    )
    .encode()
)


def test_an_instance_a_deadline_ends_tells_its_people_why_and_says_so_in_its_history(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    deployed = upload(client, bearer(client, "owner1"), ("review_deadline.bpmn", DEADLINE_END))
    assert deployed.status_code == 201, deployed.get_json()
    started = start(client, bearer(client, "office1"), "review_deadline", unit_code="FGW")
    draft = started["tasks"][0]["id"]

    assert run_tick(db.session, now=utcnow() + timedelta(days=2), worker="t") == 1
    db.session.commit()
    instance = db.session.get(ProcessInstance, started["id"])
    assert instance is not None and instance.status is InstanceStatus.COMPLETED
    told = ("outcome", "限期起草：由期限自动结束（逾期未办）", f"/instances/{started['id']}", False)
    for who in ("staff", "head", "office"):  # the unit, and the starter
        assert _notices(people[who])[-1] == told, who
    body = db.session.execute(
        select(Notification.body).where(Notification.user_id == people["head"].id)
    ).scalar_one()
    assert body == "未按期办理"  # how it ended
    staff = _notices(people["staff"])
    assert len(staff) == 2 and staff[0][2] == f"/tasks/{draft}" and staff[0][3] is True

    sign_in(client, "office1")
    page = client.get(f"/instances/{started['id']}").get_data(as_text=True)
    assert 'data-testid="ended-by-deadline">由期限自动结束（逾期未办）<' in page


def test_an_instance_people_end_is_told_once_with_its_outcome(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    deployed = upload(client, bearer(client, "owner1"), ("review_deadline.bpmn", DEADLINE_END))
    assert deployed.status_code == 201, deployed.get_json()
    start(client, bearer(client, "office1"), "review_deadline", unit_code="FGW")
    _work(client, "unit1", title="推进营商环境改革", weight=20)
    _work(client, "head1", decision="approve")
    outcomes = [n for n in _notices(people["office"]) if n[0] == "outcome"]
    assert [n[1] for n in outcomes] == ["限期起草：已审定"]
