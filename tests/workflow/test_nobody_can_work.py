"""Work that reaches nobody (issue 18): a step for a unit with no account able to work it is
announced at start, shown on the supervision board as 无人可办, refused by 督办 with the reason
rather than "sent to 0 people", and the office can give it to a named person."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, start, upload


@pytest.fixture
def people(client: FlaskClient) -> dict[str, Any]:
    staffed, empty = make_unit("FGW"), make_unit("NYT", name="农业农村厅")
    users = {
        "owner": make_user("owner1", Role.PROCESS_OWNER),
        "office": make_user("office1", Role.OFFICE_STAFF),
        "staff": make_user("unit1", (Role.UNIT_STAFF, staffed)),
        "other": make_user("unit2", (Role.UNIT_STAFF, empty)),
    }
    users["other"].is_active = False  # NYT's only account is disabled: nobody works for NYT
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    return users


def test_the_start_answer_names_the_steps_that_reach_nobody(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    office = bearer(client, "office1")
    started = start(client, office, "review_lanes", unit_code="FGW")
    assert started["warnings"] == [
        "步骤“负责人审核”无人可办：没有能办理的账号，需由省绩效办改派给具体人员。"
    ]
    nobody = start(client, office, "review_lanes", unit_code="NYT")
    assert any("起草指标" in w for w in nobody["warnings"])


def test_the_board_shows_work_nobody_can_do_and_chasing_it_says_so(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    office = bearer(client, "office1")
    start(client, office, "review_lanes", unit_code="FGW")
    nobody = start(client, office, "review_lanes", unit_code="NYT")
    stuck, nobody_instance = nobody["tasks"][0]["id"], nobody["id"]
    sign_in(client, "office1")
    board = client.get("/supervision/").get_data(as_text=True)
    assert board.count('data-testid="nobody-can-work"') == 1
    assert "无人可办" in board
    page = client.get(f"/instances/{nobody_instance}").get_data(as_text=True)
    assert 'data-testid="nobody-can-work">无人可办<' in page  # the office's instance page too

    token = page_csrf(client, "/supervision/")
    chased = client.post(
        f"/supervision/tasks/{stuck}/chase", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "无人可办" in chased and "已向 0 人" not in chased

    token = page_csrf(client, f"/tasks/{stuck}")
    given = client.post(f"/tasks/{stuck}/reassign", data={"csrf_token": token, "username": "unit1"})
    assert given.status_code == 302
    board = client.get("/supervision/").get_data(as_text=True)
    assert 'data-testid="nobody-can-work"' not in board
