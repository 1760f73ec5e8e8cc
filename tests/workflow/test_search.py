"""Search on the inbox, the instance list and the supervision board (issue 18): by the task's
name, the process's name, the unit's name or code, an instance's number."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_unit, make_user, sign_in
from tests.workflow.helpers import bearer, start, upload


def _two_units_with_tasks(client: FlaskClient) -> tuple[int, int]:
    fgw = make_unit("FGW", name="江西省发展和改革委员会")
    nyt = make_unit("NYT", name="江西省农业农村厅")
    make_user("clerk", (Role.UNIT_STAFF, fgw), (Role.UNIT_STAFF, nyt))  # works both units' tasks
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("supervisor1", Role.SUPERVISOR)
    assert upload(client, bearer(client, "owner1"), "review_lanes.bpmn").status_code == 201
    office = bearer(client, "office1")
    first = start(client, office, "review_lanes", unit_code="FGW")["id"]
    second = start(client, office, "review_lanes", unit_code="NYT")["id"]
    return first, second


def test_the_api_inbox_finds_tasks_by_unit_name_and_code(client: FlaskClient) -> None:
    first, second = _two_units_with_tasks(client)
    office = bearer(client, "clerk")
    everything = client.get("/api/v1/tasks", headers=office).get_json()
    assert {t["instance_id"] for t in everything} >= {first, second}
    by_name = client.get("/api/v1/tasks?q=农业农村", headers=office).get_json()
    assert {t["instance_id"] for t in by_name} == {second}
    by_code = client.get("/api/v1/tasks?q=fgw", headers=office).get_json()
    assert {t["instance_id"] for t in by_code} == {first}
    assert client.get("/api/v1/tasks?q=%25_", headers=office).get_json() == []  # no wildcards


def test_the_pages_search_tasks_instances_and_the_board(client: FlaskClient) -> None:
    first, second = _two_units_with_tasks(client)
    sign_in(client, "clerk")
    page = client.get("/tasks?q=农业农村厅").get_data(as_text=True)
    inbox = page.split('data-testid="inbox"', 1)[1].split("</table>", 1)[0]
    assert "江西省农业农村厅" in inbox
    assert "江西省发展和改革委员会" not in inbox
    client = client.application.test_client()
    sign_in(client, "office1")
    listed = client.get(f"/instances?q={first}").get_data(as_text=True)
    assert f'href="/instances/{first}"' in listed
    assert f'href="/instances/{second}"' not in listed
    supervisor = client.application.test_client()
    sign_in(supervisor, "supervisor1")
    board = supervisor.get("/supervision/?q=发展和改革").get_data(as_text=True)
    assert "江西省发展和改革委员会" in board
    assert "江西省农业农村厅" not in board.split("<table", 1)[-1].split("</table>", 1)[0]
