"""Everyone is told (issue 18): a new task reaches whoever may work it, work sent back is told
as such, the outcome (the end event's name) reaches everyone who worked in the procedure, a
done task's notices are cleared, and email goes through the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.roles import Role
from app.extensions import db
from app.notifications.models import Notification, OutboxMessage
from tests.factories import make_unit, make_user
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
