"""The workbench (issue 6, first slice): validate and deploy the editor's XML."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_user, sign_in
from tests.workflow.helpers import DIAGRAMS


def _post(client: FlaskClient, path: str, xml: str, token: str) -> object:
    return client.post(
        path, json={"xml": xml, "name": "review_lanes"}, headers={"X-CSRFToken": token}
    )


def test_owners_validate_and_deploy_from_the_editor(client: FlaskClient) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    sign_in(client, "owner1")
    page = client.get("/workbench/")
    assert page.status_code == 200 and 'id="canvas"' in page.get_data(as_text=True)
    token = _meta_token(client)
    good = (DIAGRAMS / "review_lanes.bpmn").read_text()
    checked = _post(client, "/workbench/validate", good, token)
    assert checked.status_code == 200 and checked.get_json()["ok"]
    broken = good.replace('name="unit_head"', 'name="负责人"')
    refused = _post(client, "/workbench/validate", broken, token)
    assert refused.status_code == 422
    assert refused.get_json()["problems"][0]["element_id"] in {"sign", "done", "decide"}
    deployed = _post(client, "/workbench/deploy", good, token)
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 1
    assert client.post("/workbench/validate", json={"xml": good}).status_code == 400  # no CSRF


def _meta_token(client: FlaskClient) -> str:
    html = client.get("/workbench/").get_data(as_text=True)
    start = html.index('name="csrf-token" content="') + len('name="csrf-token" content="')
    return html[start : html.index('"', start)]


def test_only_process_owners_open_the_editor(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    assert client.get("/workbench/").status_code == 403
