"""The forms editor: stored form versions, previews, validation, and deploy resolving them."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from app.auth.roles import Role
from app.extensions import db_session
from app.workflow.definitions.deploy import latest_definition
from tests.factories import make_user
from tests.test_workbench_panel import PANEL_XML, owner
from tests.workflow.helpers import bearer, start

SCHEMA = {
    "title": "意见",
    "type": "object",
    "required": ["opinion"],
    "properties": {"opinion": {"type": "string", "title": "意见", "examples": ["同意"]}},
}


def _save(client: FlaskClient, token: str, schema: object, name: str = "opinion") -> object:
    return client.post(
        "/workbench/api/forms",
        json={"name": name, "schema": json.dumps(schema), "ui_schema": "{}"},
        headers={"X-CSRFToken": token},
    )


def test_saving_a_form_makes_a_new_version_each_time(client: FlaskClient) -> None:
    token = owner(client)
    assert _save(client, token, SCHEMA).get_json() == {"ok": True, "name": "opinion", "version": 1}  # type: ignore[attr-defined]
    assert _save(client, token, SCHEMA).get_json()["version"] == 2  # type: ignore[attr-defined]
    listed = {f["name"]: f for f in client.get("/workbench/api/forms").get_json()["forms"]}
    assert listed["opinion"]["source"] == "stored" and listed["opinion"]["version"] == 2
    page = client.get("/workbench/forms").get_data(as_text=True)
    assert "opinion" in page and "forms/draft.schema.json" in page
    editor = client.get("/workbench/forms/edit?name=opinion").get_data(as_text=True)
    assert "opinion.v1.schema.json" in editor and "opinion.v2.schema.json" in editor
    assert "&#34;title&#34;: &#34;意见&#34;" in editor  # editable as written, not as \\u610f\\u89c1
    assert client.get("/workbench/forms/edit?name=draft").status_code == 200
    assert client.get("/workbench/forms/edit?name=nope").status_code == 404


def test_bad_forms_are_refused_at_their_field(client: FlaskClient) -> None:
    token = owner(client)
    bad_json = client.post(
        "/workbench/api/forms",
        json={"name": "x", "schema": "{", "ui_schema": "{}"},
        headers={"X-CSRFToken": token},
    )
    assert bad_json.status_code == 422
    assert bad_json.get_json()["error"]["details"][0]["field"] == "schema"
    bad_schema = _save(client, token, {"type": 5})
    assert bad_schema.status_code == 422  # type: ignore[attr-defined]
    assert bad_schema.get_json()["error"]["details"][0]["field"] == "schema"  # type: ignore[attr-defined]
    bad_name = _save(client, token, SCHEMA, name="../etc")
    assert bad_name.get_json()["error"]["details"][0]["field"] == "name"  # type: ignore[attr-defined]
    versioned = _save(client, token, SCHEMA, name="opinion.v2")
    assert versioned.status_code == 422  # type: ignore[attr-defined]


def test_the_live_preview_draws_the_schema_being_edited(client: FlaskClient) -> None:
    token = owner(client)
    drawn = client.post(
        "/workbench/api/form-preview",
        json={"schema": json.dumps(SCHEMA), "ui_schema": '{"opinion": {"ui:widget": "textarea"}}'},
        headers={"X-CSRFToken": token},
    )
    assert drawn.status_code == 200 and "<textarea" in drawn.get_json()["html"]
    broken = client.post(
        "/workbench/api/form-preview",
        json={"schema": "[]", "ui_schema": "{}"},
        headers={"X-CSRFToken": token},
    )
    assert (
        broken.status_code == 422 and broken.get_json()["error"]["details"][0]["field"] == "schema"
    )


def test_deployed_diagrams_keep_the_form_version_they_were_deployed_with(
    client: FlaskClient,
) -> None:
    token = owner(client)
    headers = {"X-CSRFToken": token}
    _save(client, token, SCHEMA)
    xml = PANEL_XML.replace("draft.schema.json", "opinion.schema.json").replace(
        "doubled = weight * 2", "doubled = 2"
    )
    assert client.post("/workbench/deploy", json={"xml": xml}, headers=headers).status_code == 201
    first = latest_definition(db_session(), "panel_made")
    assert first is not None and first.task_settings["Activity_draft"]["form"] == (
        "opinion.v1.schema.json"
    )
    changed = {**SCHEMA, "properties": {"opinion": {"type": "string", "title": "新意见"}}}
    _save(client, token, changed)
    assert client.post("/workbench/deploy", json={"xml": xml}, headers=headers).status_code == 201
    second = latest_definition(db_session(), "panel_made")
    assert second is not None and second.version == 2
    assert second.task_settings["Activity_draft"]["form"] == "opinion.v2.schema.json"
    # An instance on version 1 still gets version 1 of the form.
    make_user("office1", Role.OFFICE_STAFF)
    office = bearer(client, "office1")
    started = start(client, office, "panel_made", version=1)
    task = client.get(f"/api/v1/tasks/{started['tasks'][0]['id']}", headers=office).get_json()
    assert task["form"]["schema"]["properties"]["opinion"]["title"] == "意见"
    db_session().rollback()


def test_a_missing_stored_form_is_a_deploy_problem(client: FlaskClient) -> None:
    headers = {"X-CSRFToken": owner(client)}
    xml = PANEL_XML.replace("draft.schema.json", "ghost.v3.schema.json")
    refused = client.post("/workbench/validate", json={"xml": xml}, headers=headers)
    assert refused.status_code == 422
    assert "ghost.v3" in refused.get_json()["problems"][0]["message"]


def test_a_stored_version_of_a_file_form_replaces_it_in_lists_and_the_editor(
    client: FlaskClient,
) -> None:
    token = owner(client)
    _save(client, token, SCHEMA, name="draft")
    listed = [f for f in client.get("/workbench/api/forms").get_json()["forms"]]
    drafts = [f for f in listed if f["name"] == "draft"]
    assert drafts == [
        {
            "name": "draft",
            "reference": "draft.schema.json",
            "title": "意见",
            "source": "stored",
            "version": 1,
        }
    ]
    editor = client.get("/workbench/forms/edit?name=draft").get_data(as_text=True)
    assert "opinion" in editor and "weight" not in editor


def test_validation_checks_the_stored_version_deploy_would_pin(client: FlaskClient) -> None:
    token = owner(client)
    _save(client, token, SCHEMA, name="draft")  # a stored version of the file form "draft"
    run = client.post(
        "/workbench/api/dry-run",
        json={
            "xml": PANEL_XML.replace("doubled = weight * 2", "doubled = 2").replace(
                'value="title"', 'value="opinion"'
            )
        },
        headers={"X-CSRFToken": token},
    ).get_json()
    # The stored version asks for an opinion (its example), not the file's title and weight.
    assert run["status"] == "completed", run
    assert run["data"]["opinion"] == "同意"
    assert "title" not in run["data"]
