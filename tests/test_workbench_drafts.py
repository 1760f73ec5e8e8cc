"""Drafts, the deploy summary of changes, and each process's version history."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.auth.roles import Role
from app.extensions import db_session
from app.workbench.changes import compare
from tests.factories import make_user, sign_in
from tests.test_workbench_panel import PANEL_XML, owner
from tests.workflow.helpers import bearer, start


def test_saving_keeps_numbered_drafts_without_deploying(client: FlaskClient) -> None:
    headers = {"X-CSRFToken": owner(client)}
    first = client.post("/workbench/api/drafts", json={"xml": PANEL_XML}, headers=headers)
    second = client.post("/workbench/api/drafts", json={"xml": PANEL_XML}, headers=headers)
    assert first.status_code == 201 and first.get_json()["revision"] == 1
    assert second.get_json() == {"ok": True, "key": "panel_made", "revision": 2}
    assert client.get("/workbench/drafts/panel_made/2.bpmn").get_data(as_text=True) == PANEL_XML
    assert (
        client.get("/api/v1/process-definitions", headers=bearer(client, "owner1")).get_json() == []
    )
    page = client.get("/workbench/?key=panel_made&draft=1").get_data(as_text=True)
    assert "/workbench/drafts/panel_made/1.bpmn" in page
    history = client.get("/workbench/processes/panel_made").get_data(as_text=True)
    assert "/workbench/drafts/panel_made/2.bpmn?download=1" in history
    assert client.get("/workbench/drafts/panel_made/9.bpmn").status_code == 404
    broken = client.post("/workbench/api/drafts", json={"xml": "<x"}, headers=headers)
    assert broken.status_code == 400 and "not well-formed" in broken.get_json()["error"]["message"]


def test_deploy_shows_what_changed_against_the_deployed_version(client: FlaskClient) -> None:
    headers = {"X-CSRFToken": owner(client)}
    fresh = client.post("/workbench/api/changes", json={"xml": PANEL_XML}, headers=headers)
    assert fresh.get_json()["deployed_version"] is None
    assert "Activity_draft" in {e["id"] for e in fresh.get_json()["added"]}
    client.post("/workbench/deploy", json={"xml": PANEL_XML}, headers=headers)
    edited = PANEL_XML.replace('name="计算"', 'name="计算权重"').replace(
        'value="reminderWorkdays" value="2"', ""
    )
    edited = edited.replace('<spiffworkflow:property name="reminderWorkdays" value="2" />', "")
    changes = client.post("/workbench/api/changes", json={"xml": edited}, headers=headers)
    body = changes.get_json()
    assert body["deployed_version"] == 1 and body["added"] == [] and body["removed"] == []
    assert {(e["id"], e["name"]) for e in body["changed"]} == {
        ("Activity_script", "计算权重"),
        ("Activity_draft", "起草"),
    }


def test_layout_moves_are_not_changes() -> None:
    moved = PANEL_XML.replace('x="180" y="160"', 'x="300" y="400"')
    assert compare(PANEL_XML, moved).empty


def test_history_lists_versions_with_deployer_and_running_instances(client: FlaskClient) -> None:
    headers = {"X-CSRFToken": owner(client)}
    client.post("/workbench/deploy", json={"xml": PANEL_XML}, headers=headers)
    make_user("office1", Role.OFFICE_STAFF)
    start(client, bearer(client, "office1"), "panel_made")
    second = PANEL_XML.replace('name="记录"', 'name="留痕"')
    assert (
        client.post("/workbench/deploy", json={"xml": second}, headers=headers).status_code == 201
    )
    page = client.get("/workbench/processes/panel_made")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "owner1" in html
    rows = html.split('data-testid="versions"')[1].split("</table>")[0].split("<tr>")[2:]
    assert "v2" in rows[0] and "v1" in rows[1]
    assert '<td class="text-end">0</td>' in rows[0] and '<td class="text-end">1</td>' in rows[1]
    assert "/processes/panel_made/1.bpmn?download=1" in html
    compared = client.get("/workbench/processes/panel_made/compare?a=1&b=2").get_data(as_text=True)
    assert (
        'data-change="changed"' in compared and "Activity_note" in compared and "留痕" in compared
    )
    assert client.get("/workbench/processes/panel_made/compare?a=1&b=7").status_code == 404
    assert client.get("/workbench/processes/panel_made/compare?a=x").status_code == 422
    assert client.get("/workbench/processes/nothing_here").status_code == 404
    db_session().rollback()


def test_office_staff_do_not_deploy_or_save_drafts(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    assert client.get("/workbench/processes/panel_made").status_code == 403


def test_the_editor_opens_a_key_at_its_newest_draft_or_deployed_version(
    client: FlaskClient,
) -> None:
    headers = {"X-CSRFToken": owner(client)}
    assert client.get("/workbench/?key=panel_made").status_code == 404
    client.post("/workbench/api/drafts", json={"xml": PANEL_XML}, headers=headers)
    assert "/workbench/drafts/panel_made/1.bpmn" in client.get(
        "/workbench/?key=panel_made"
    ).get_data(as_text=True)
    client.post("/workbench/deploy", json={"xml": PANEL_XML}, headers=headers)
    assert "/processes/panel_made/1.bpmn" in client.get("/workbench/?key=panel_made").get_data(
        as_text=True
    )


def test_a_draft_compares_with_the_deployed_version(client: FlaskClient) -> None:
    headers = {"X-CSRFToken": owner(client)}
    client.post("/workbench/deploy", json={"xml": PANEL_XML}, headers=headers)
    edited = PANEL_XML.replace('name="等待"', 'name="等三天"')
    client.post("/workbench/api/drafts", json={"xml": edited}, headers=headers)
    page = client.get("/workbench/processes/panel_made/drafts/1/changes").get_data(as_text=True)
    assert 'data-change="changed"' in page and "Event_wait" in page and "等三天" in page
    assert "v1 → 草稿 1" in page
    assert "/workbench/processes/panel_made/drafts/1/changes" in client.get(
        "/workbench/processes/panel_made"
    ).get_data(as_text=True)
    assert client.get("/workbench/processes/panel_made/drafts/5/changes").status_code == 404
