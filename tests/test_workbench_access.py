"""Every workbench page and JSON endpoint is for process owners only."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_unit, make_user, sign_in
from tests.workflow.helpers import bearer, upload

PAGES = ["/workbench/", "/workbench/forms", "/workbench/forms/edit", "/workbench/processes/x"]
LISTS = ["/workbench/api/roles", "/workbench/api/forms", "/workbench/api/operations"]
POSTS = [
    "/workbench/api/check-code",
    "/workbench/api/form-preview",
    "/workbench/api/forms",
    "/workbench/api/drafts",
    "/workbench/api/changes",
    "/workbench/api/dry-run",
]


@pytest.mark.parametrize("role", [Role.OFFICE_STAFF, Role.UNIT_STAFF, Role.SYSADMIN])
def test_other_roles_are_refused(app: Flask, role: Role) -> None:
    client = app.test_client()
    make_user("someone", (role, make_unit()) if role is Role.UNIT_STAFF else role)
    sign_in(client, "someone")
    for path in PAGES + LISTS:
        assert client.get(path).status_code == 403, path
    for path in LISTS:
        assert client.get(path).get_json()["error"]["code"] == "forbidden", path


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    for path in PAGES + LISTS:
        assert client.get(path).status_code == 302, path


def test_posts_without_a_csrf_token_are_refused_as_json(app: Flask) -> None:
    client = app.test_client()
    make_user("owner1", Role.PROCESS_OWNER)
    sign_in(client, "owner1")
    for path in POSTS:
        refused = client.post(path, json={})
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf", path


def test_the_processes_page_leads_owners_to_history_and_forms(client: FlaskClient) -> None:
    make_unit()  # the page lists the year's units to start for
    make_user("owner1", Role.PROCESS_OWNER)
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    sign_in(client, "owner1")
    page = client.get("/processes").get_data(as_text=True)
    assert 'href="/workbench/processes/review_lanes"' in page
    assert 'href="/workbench/forms"' in page
    assert client.get("/workbench/processes/review_lanes").status_code == 200
