"""Lane names as people read them (issue 18): the role code a lane carries for the engine
(`单位经办人 (unit_staff)`) never reaches a page; a lane named by a bare code shows the role."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from app.workflow.definitions.diagrams import lane_label
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, complete, start, upload

ROLE_CODE = re.compile(r"[（(]\s*(" + "|".join(r.value for r in Role) + r")\s*[)）]")


def test_a_lane_label_drops_the_role_code_and_names_a_bare_code_by_its_role(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert lane_label("省领导 (provincial_leader)") == "省领导"
        assert lane_label("单位经办人（unit_staff）") == "单位经办人"
        assert lane_label("评审专家(expert)  ") == "评审专家"
        assert lane_label("省绩效办") == "省绩效办"
        assert lane_label("unit_head") == Role.UNIT_HEAD.label
        assert lane_label("(office_staff)") == Role.OFFICE_STAFF.label
        assert lane_label(None) == ""
        assert lane_label("") == ""


def test_no_page_shows_a_role_code_in_a_lane_name(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("head1", (Role.UNIT_HEAD, unit))
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    started = start(client, bearer(client, "office1"), "review_lanes", unit_code="FGW")
    draft = started["tasks"][0]["id"]
    assert started["tasks"][0]["lane"] == "单位经办人 (unit_staff)"  # the API keeps the code

    sign_in(client, "unit1")
    inbox = client.get("/tasks").get_data(as_text=True)
    task_page = client.get(f"/tasks/{draft}").get_data(as_text=True)
    for page in (inbox, task_page):
        assert "单位经办人" in page
        assert not ROLE_CODE.search(page), ROLE_CODE.search(page)

    done = complete(client, bearer(client, "unit1"), draft, title="推进营商环境改革", weight=20)
    assert done.status_code == 200, done.get_json()
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "office1")
    instance_page = client.get(f"/instances/{started['id']}").get_data(as_text=True)
    board = client.get("/supervision/").get_data(as_text=True)
    for page in (instance_page, board):
        assert Role.UNIT_HEAD.label in page or "单位主要负责人" in page
        assert not ROLE_CODE.search(page), ROLE_CODE.search(page)
        assert ">unit_head<" not in page
