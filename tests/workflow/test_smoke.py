"""One diagram with lanes, forms and a return loop, end to end through the API."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer, complete, inbox, instance, start, upload


def test_lanes_forms_and_a_return_loop(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    other = make_unit("JYT")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("unit2", (Role.UNIT_STAFF, other))
    make_user("office1", Role.OFFICE_STAFF)
    owner, staff, head = bearer(client, "owner1"), bearer(client, "unit1"), bearer(client, "head1")
    outsider = bearer(client, "unit2")

    deployed = upload(client, owner, "review_lanes.bpmn")
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["key"] == "review_lanes"

    started = start(client, bearer(client, "office1"), "review_lanes", unit_code="FGW")
    assert started["status"] == "waiting"
    [draft] = inbox(client, staff)
    assert draft["name"] == "起草指标" and draft["due_at"]
    assert inbox(client, outsider) == [] and inbox(client, head) == []

    bad = complete(client, staff, draft["id"], title="x")
    assert bad.status_code == 422
    paths = {e["path"] for e in bad.get_json()["error"]["details"]}
    assert paths == {"title", "weight"}
    assert complete(client, outsider, draft["id"], title="ok", weight=5).status_code == 404
    assert complete(client, staff, draft["id"], title="推进改革", weight=20).status_code == 200
    assert complete(client, staff, draft["id"], title="推进改革", weight=20).status_code == 409

    [sign] = inbox(client, head)
    assert complete(client, head, sign["id"], decision="return").status_code == 200
    [redraft] = inbox(client, staff)
    assert redraft["id"] != draft["id"]
    complete(client, staff, redraft["id"], title="推进改革二", weight=30)
    [sign2] = inbox(client, head)
    done = complete(client, head, sign2["id"], decision="approve")
    assert done.get_json()["instance"]["status"] == "completed"
    shown = instance(client, head, started["id"])
    assert shown["data"]["title"] == "推进改革二"
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert kinds.count("task_ready") == 4
