"""One diagram per BPMN construct (tests/diagrams/kinds/), each deployed through the API, started,
its user tasks worked through the API by the users who should get them, and driven to its end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.workflow.timers.firing import fire_due_timers
from tests.factories import make_unit, make_user
from tests.workflow.helpers import DIAGRAMS, bearer, complete, inbox, instance, start, upload

Headers = dict[str, str]


def deploy(client: FlaskClient, *files: str) -> dict[str, Any]:
    """Deploy as a process owner; the upload must be accepted."""
    make_user("owner1", Role.PROCESS_OWNER)
    response = upload(client, bearer(client, "owner1"), *files)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def spec_ids(tasks: list[dict[str, Any]]) -> list[str]:
    return sorted(t["spec_id"] for t in tasks)


def only_task(client: FlaskClient, headers: Headers, spec_id: str) -> dict[str, Any]:
    """The one task in the inbox, which must be `spec_id`."""
    tasks = inbox(client, headers)
    assert spec_ids(tasks) == [spec_id], tasks
    return tasks[0]


def done(client: FlaskClient, headers: Headers, task_id: str, **data: Any) -> dict[str, Any]:
    """Complete a task; it must be accepted. Returns the instance as the response shows it."""
    response = complete(client, headers, task_id, **data)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["instance"]  # type: ignore[no-any-return]


def completed_elements(shown: dict[str, Any]) -> list[str]:
    """Element ids of the `task_completed` events, in order: the path the instance took."""
    return [e["element_id"] for e in shown["events"] if e["kind"] == "task_completed"]


def event_elements(shown: dict[str, Any], kind: str) -> list[str]:
    return [e["element_id"] for e in shown["events"] if e["kind"] == kind]


def fire_timers(instance_id: int, *, after: timedelta = timedelta(0)) -> None:
    """What the scheduler will do `after` from now: advance the instance whose timers are due."""
    fire_due_timers(db.session, instance_id=instance_id, now=utcnow() + after)
    db.session.commit()


# --- user tasks in lanes ----------------------------------------------------------------------


def test_lanes_route_each_task_to_its_role_unit_and_leader(client: FlaskClient) -> None:
    leader = make_user("leader1", Role.PROVINCIAL_LEADER)
    make_user("leader2", Role.PROVINCIAL_LEADER)
    unit = make_unit("FGW", leader=leader)
    other = make_unit("JYT")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("unit2", (Role.UNIT_STAFF, other))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("head2", (Role.UNIT_HEAD, other))
    make_user("office1", Role.OFFICE_STAFF)
    make_user("expert1", Role.EXPERT)
    make_user("expert2", Role.EXPERT)
    deployed = deploy(client, "kinds/lanes.bpmn")
    assert deployed["key"] == "kinds_lanes" and deployed["warnings"] == []
    names = ["unit1", "unit2", "head1", "head2", "office1"]
    names += ["leader1", "leader2", "expert1", "expert2"]
    h = {name: bearer(client, name) for name in names}

    def holders() -> dict[str, list[str]]:
        """Who has what in their inbox (users with an empty inbox left out)."""
        inboxes = {name: spec_ids(inbox(client, headers)) for name, headers in h.items()}
        return {name: tasks for name, tasks in inboxes.items() if tasks}

    started = start(client, h["office1"], "kinds_lanes", unit_code="FGW")
    assert started["status"] == "waiting"
    assert holders() == {"unit1": ["submit"]}
    [submit] = inbox(client, h["unit1"])
    assert submit["lane"] == "单位经办人 (unit_staff)" and submit["role"] == "unit_staff"
    assert submit["form"] == "kinds_amount.schema.json" and submit["due_at"]
    # the office oversees the task but may not work it; another unit's staff cannot even see it
    assert complete(client, h["office1"], submit["id"], amount=5).status_code == 403
    assert complete(client, h["unit2"], submit["id"], amount=5).status_code == 404
    done(client, h["unit1"], submit["id"], amount=300, purpose="培训")

    assert holders() == {"head1": ["confirm"]}
    confirm = only_task(client, h["head1"], "confirm")
    assert confirm["role"] == "unit_head"  # from the full-width "（unit_head）" lane name
    done(client, h["head1"], confirm["id"], decision="approve")

    assert holders() == {"office1": ["register"]}
    done(
        client, h["office1"], only_task(client, h["office1"], "register")["id"], decision="approve"
    )

    # the leader lane goes to the unit's leader in charge only, not to every provincial leader
    assert holders() == {"leader1": ["leader_sign"]}
    sign = only_task(client, h["leader1"], "leader_sign")
    assert complete(client, h["leader2"], sign["id"], opinion="agree").status_code == 404
    done(client, h["leader1"], sign["id"], opinion="agree", comment="同意")

    # a role lane is open to every holder of the role until one of them completes it
    assert holders() == {"expert1": ["expert_review"], "expert2": ["expert_review"]}
    review = only_task(client, h["expert2"], "expert_review")
    finished = done(client, h["expert2"], review["id"], score=88)
    assert finished["status"] == "completed" and finished["tasks"] == []
    assert complete(client, h["expert1"], review["id"], score=70).status_code == 409
    assert holders() == {}

    shown = instance(client, h["office1"], started["id"])
    assert shown["status"] == "completed"
    assert completed_elements(shown) == [
        "start",
        "submit",
        "confirm",
        "register",
        "leader_sign",
        "expert_review",
        "done",
    ]
    data = shown["data"]
    assert (data["unit_code"], data["amount"], data["purpose"]) == ("FGW", 300, "培训")
    assert (data["decision"], data["opinion"], data["score"]) == ("approve", "agree", 88)


# --- gateways ---------------------------------------------------------------------------------


def test_exclusive_gateway_takes_exactly_one_path_by_amount(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("office1", Role.OFFICE_STAFF)
    make_user("director1", Role.OFFICE_DIRECTOR)
    deploy(client, "kinds/exclusive.bpmn")
    staff, office = bearer(client, "unit1"), bearer(client, "office1")
    director = bearer(client, "director1")

    ids = {}
    for amount in (5000, 500, 50):
        started = start(client, office, "kinds_exclusive", unit_code="FGW")
        [submit] = [t for t in inbox(client, staff) if t["instance_id"] == started["id"]]
        after = done(client, staff, submit["id"], amount=amount)
        ids[amount] = started["id"]
        if amount == 50:
            assert after["status"] == "completed"  # the default path is a script
        else:
            assert after["status"] == "waiting"

    # 5000 went to the director only, 500 to the office only
    assert [(t["spec_id"], t["instance_id"]) for t in inbox(client, director)] == [
        ("director_approve", ids[5000])
    ]
    assert [(t["spec_id"], t["instance_id"]) for t in inbox(client, office)] == [
        ("office_approve", ids[500])
    ]
    assert inbox(client, staff) == []
    done(client, director, inbox(client, director)[0]["id"], decision="approve")
    done(client, office, inbox(client, office)[0]["id"], decision="return", comment="超标准")

    paths = {}
    for amount, instance_id in ids.items():
        shown = instance(client, office, instance_id)
        assert shown["status"] == "completed"
        paths[amount] = [e for e in completed_elements(shown) if e not in ("start", "done")]
    assert paths == {
        5000: ["submit", "route", "director_approve", "merge"],
        500: ["submit", "route", "office_approve", "merge"],
        50: ["submit", "route", "auto_approve", "merge"],
    }
    small = instance(client, office, ids[50])["data"]
    assert (small["decision"], small["approved_by"]) == ("approve", "system")
    medium = instance(client, office, ids[500])["data"]
    assert (medium["decision"], medium["comment"]) == ("return", "超标准")
    assert "approved_by" not in medium


def test_parallel_gateway_waits_for_both_branches(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("office1", Role.OFFICE_STAFF)
    make_user("expert1", Role.EXPERT)
    make_user("head1", (Role.UNIT_HEAD, unit))
    deploy(client, "kinds/parallel.bpmn")
    office, expert, head = (
        bearer(client, "office1"),
        bearer(client, "expert1"),
        bearer(client, "head1"),
    )

    started = start(client, office, "kinds_parallel", unit_code="FGW")
    assert spec_ids(started["tasks"]) == ["expert_check", "office_check"]
    office_check = only_task(client, office, "office_check")
    expert_check = only_task(client, expert, "expert_check")

    after_expert = done(client, expert, expert_check["id"], opinion="disagree")
    assert after_expert["status"] == "waiting"
    assert spec_ids(after_expert["tasks"]) == ["office_check"]
    assert inbox(client, head) == []  # the join has not fired

    after_office = done(client, office, office_check["id"], score=72)
    assert spec_ids(after_office["tasks"]) == ["sign"]  # the join fired once
    sign = only_task(client, head, "sign")
    finished = done(client, head, sign["id"], decision="approve")
    assert finished["status"] == "completed"

    shown = instance(client, head, started["id"])
    assert shown["data"]["summary"] == "disagree:72"
    path = completed_elements(shown)
    assert path.count("join") == 1 and path.count("combine") == 1 and path.count("sign") == 1
    assert path.index("expert_check") < path.index("office_check") < path.index("join")


def test_inclusive_gateway_runs_every_true_branch_and_joins_only_those(
    client: FlaskClient,
) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    make_user("expert1", Role.EXPERT)
    make_user("director1", Role.OFFICE_DIRECTOR)
    deploy(client, "kinds/inclusive.bpmn")
    office, expert = bearer(client, "office1"), bearer(client, "expert1")
    director = bearer(client, "director1")

    both = start(
        client, office, "kinds_inclusive", data={"needs_finance": True, "needs_legal": True}
    )
    assert spec_ids(both["tasks"]) == ["finance_check", "legal_check"]
    assert inbox(client, director) == []
    after_legal = done(client, expert, only_task(client, expert, "legal_check")["id"], legal="ok")
    assert after_legal["status"] == "waiting"  # the join waits for finance as well
    assert spec_ids(after_legal["tasks"]) == ["finance_check"]
    after_finance = done(
        client, office, only_task(client, office, "finance_check")["id"], finance="ok"
    )
    assert after_finance["status"] == "completed"
    data = instance(client, office, both["id"])["data"]
    assert (data["legal"], data["finance"], data["archived"]) == ("ok", "ok", True)

    legal_only = start(
        client, office, "kinds_inclusive", data={"needs_finance": False, "needs_legal": True}
    )
    assert spec_ids(legal_only["tasks"]) == ["legal_check"]
    assert inbox(client, office) == [] and inbox(client, director) == []
    finished = done(client, expert, only_task(client, expert, "legal_check")["id"], legal="ok")
    assert finished["status"] == "completed"  # the join does not wait for the branch not taken

    neither = start(
        client, office, "kinds_inclusive", data={"needs_finance": False, "needs_legal": False}
    )
    assert spec_ids(neither["tasks"]) == ["general_check"]
    assert inbox(client, office) == [] and inbox(client, expert) == []
    finished = done(client, director, only_task(client, director, "general_check")["id"])
    assert finished["status"] == "completed"

    paths = {
        name: sorted(set(completed_elements(instance(client, office, started["id"]))))
        for name, started in (("legal", legal_only), ("neither", neither))
    }
    assert "finance_check" not in paths["legal"] and "general_check" not in paths["legal"]
    assert "legal_check" in paths["legal"] and "tally" in paths["legal"]
    assert "general_check" in paths["neither"] and "legal_check" not in paths["neither"]


# --- subprocesses and call activities ---------------------------------------------------------


def test_embedded_subprocess_tasks_go_to_lanes_and_data_flows_out(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    other = make_unit("JYT")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("unit2", (Role.UNIT_STAFF, other))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("head2", (Role.UNIT_HEAD, other))
    make_user("office1", Role.OFFICE_STAFF)
    deploy(client, "kinds/subprocess.bpmn")
    staff, head, office = (
        bearer(client, "unit1"),
        bearer(client, "head1"),
        bearer(client, "office1"),
    )

    started = start(client, office, "kinds_subprocess", unit_code="FGW")
    assert spec_ids(started["tasks"]) == ["fill"]
    fill = only_task(client, staff, "fill")
    assert inbox(client, bearer(client, "unit2")) == []
    done(client, staff, fill["id"], amount=21)

    check = only_task(client, head, "check")
    assert inbox(client, bearer(client, "head2")) == [] and inbox(client, office) == []
    detail = client.get(f"/api/v1/tasks/{check['id']}", headers=head).get_json()
    assert detail["data"]["doubled"] == 42  # the script inside the subprocess ran
    after = done(client, head, check["id"], decision="approve")
    assert spec_ids(after["tasks"]) == ["archive"]

    archive = only_task(client, office, "archive")
    finished = done(client, office, archive["id"], archived_as="2026-001")
    assert finished["status"] == "completed"
    shown = instance(client, office, started["id"])
    assert shown["data"]["doubled"] == 42 and shown["data"]["decision"] == "approve"
    assert shown["data"]["archived_as"] == "2026-001"
    path = completed_elements(shown)
    # the subprocess completes after its inner end event, before the archive task
    assert path.index("sub_end") < path.index("prepare") < path.index("archive")
    assert path.index("fill") < path.index("calc") < path.index("check")


def test_subprocess_in_a_lane_keeps_the_lanes_of_its_inner_tasks(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("office1", Role.OFFICE_STAFF)
    # The same diagram with the subprocess itself placed in the unit staff lane, as a modeler
    # does when the expanded subprocess starts there; its inner task `check` stays in Lane_head.
    source = (DIAGRAMS / "kinds" / "subprocess.bpmn").read_text(encoding="utf-8")
    anchor = "<bpmn:flowNodeRef>start</bpmn:flowNodeRef>"
    in_lane = source.replace(anchor, anchor + "<bpmn:flowNodeRef>prepare</bpmn:flowNodeRef>")
    assert in_lane != source
    make_user("owner1", Role.PROCESS_OWNER)
    response = upload(client, bearer(client, "owner1"), ("subprocess.bpmn", in_lane.encode()))
    assert response.status_code == 201, response.get_json()
    staff, head = bearer(client, "unit1"), bearer(client, "head1")
    start(client, bearer(client, "office1"), "kinds_subprocess", unit_code="FGW")
    done(client, staff, only_task(client, staff, "fill")["id"], amount=21)
    # the unit head's confirmation must not land with the staff who filled the form in
    assert inbox(client, staff) == []
    assert spec_ids(inbox(client, head)) == ["check"]


def _drive_call_activity(client: FlaskClient) -> None:
    staff, head, office = (
        bearer(client, "unit1"),
        bearer(client, "head1"),
        bearer(client, "office1"),
    )
    started = start(client, office, "kinds_call_parent", unit_code="FGW")
    request = only_task(client, staff, "request")
    after = done(client, staff, request["id"], amount=800)
    # the callee's task, in the callee's unit_head lane, for this instance's unit
    assert spec_ids(after["tasks"]) == ["approve"]
    approve = only_task(client, head, "approve")
    assert approve["instance_id"] == started["id"] and approve["role"] == "unit_head"
    assert inbox(client, bearer(client, "head2")) == [] and inbox(client, office) == []
    detail = client.get(f"/api/v1/tasks/{approve['id']}", headers=head).get_json()
    assert detail["data"]["amount"] == 800  # the caller's data reached the callee
    done(client, head, approve["id"], decision="approve")

    finish = only_task(client, office, "finish")
    detail = client.get(f"/api/v1/tasks/{finish['id']}", headers=office).get_json()
    assert detail["data"]["stamped"] == "child:approve"  # the callee's data came back
    finished = done(client, office, finish["id"])
    assert finished["status"] == "completed"
    shown = instance(client, office, started["id"])
    assert shown["process_key"] == "kinds_call_parent"
    assert (shown["data"]["stamped"], shown["data"]["approved_amount"]) == ("child:approve", 800)
    path = completed_elements(shown)
    assert path.index("request") < path.index("approve") < path.index("stamp")
    assert path.index("stamp") < path.index("call_review") < path.index("finish")


def _call_activity_users() -> None:
    unit = make_unit("FGW")
    other = make_unit("JYT")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("head2", (Role.UNIT_HEAD, other))
    make_user("office1", Role.OFFICE_STAFF)


def test_call_activity_to_a_process_in_the_same_upload(client: FlaskClient) -> None:
    _call_activity_users()
    deployed = deploy(client, "kinds/call_parent.bpmn", "kinds/call_child.bpmn")
    assert deployed["key"] == "kinds_call_parent"
    assert {(d["key"], d["version"]) for d in deployed["deployed"]} == {
        ("kinds_call_parent", 1),
        ("kinds_call_child", 1),
    }
    _drive_call_activity(client)


def test_call_activity_to_a_process_deployed_earlier(client: FlaskClient) -> None:
    _call_activity_users()
    make_user("owner1", Role.PROCESS_OWNER)
    owner = bearer(client, "owner1")
    alone = upload(client, owner, "kinds/call_parent.bpmn")
    assert alone.status_code == 422  # the callee is neither in the upload nor deployed
    details = alone.get_json()["error"]["details"]
    assert "call_review" in [d["element_id"] for d in details]
    assert all("kinds_call_child" in d["message"] for d in details)

    callee = upload(client, owner, "kinds/call_child.bpmn")
    assert callee.status_code == 201 and callee.get_json()["key"] == "kinds_call_child"
    caller = upload(client, owner, "kinds/call_parent.bpmn")
    assert caller.status_code == 201, caller.get_json()
    assert caller.get_json()["deployed"] == [{"key": "kinds_call_parent", "version": 1}]
    _drive_call_activity(client)


# --- multi-instance ---------------------------------------------------------------------------


def test_parallel_multi_instance_gives_each_expert_their_own_task(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    for name in ("expert1", "expert2", "expert3"):
        make_user(name, Role.EXPERT)
    deploy(client, "kinds/mi_parallel.bpmn")
    office = bearer(client, "office1")
    experts = {name: bearer(client, name) for name in ("expert1", "expert2", "expert3")}

    started = start(client, office, "kinds_mi_parallel")
    pick = only_task(client, office, "pick")
    assert complete(client, office, pick["id"], experts=["nobody"]).status_code == 422
    after = done(client, office, pick["id"], experts=["expert1", "expert2"])
    assert spec_ids(after["tasks"]) == ["review", "review"]

    one = only_task(client, experts["expert1"], "review")
    two = only_task(client, experts["expert2"], "review")
    assert one["id"] != two["id"]
    for name, task in (("expert1", one), ("expert2", two)):
        detail = client.get(f"/api/v1/tasks/{task['id']}", headers=experts[name]).get_json()
        assert detail["data"]["expert"] == name and detail["form"]["name"] == "kinds_score"
    assert inbox(client, experts["expert3"]) == []  # an expert not chosen gets nothing
    assert complete(client, experts["expert1"], two["id"], score=1).status_code in (403, 404)
    assert complete(client, experts["expert3"], one["id"], score=1).status_code in (403, 404)

    after_two = done(client, experts["expert2"], two["id"], score=90)
    assert after_two["status"] == "waiting"
    assert [t["id"] for t in after_two["tasks"]] == [one["id"]]
    finished = done(client, experts["expert1"], one["id"], score=80)
    assert finished["status"] == "completed"

    data = instance(client, office, started["id"])["data"]
    # SpiffWorkflow appends a list output in the order the instances complete
    assert data["scores"] == [90, 80]
    assert data["average_score"] == 85


def test_sequential_multi_instance_asks_signers_one_after_another(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    for name in ("signer1", "signer2", "signer3"):
        make_user(name, Role.LEADING_GROUP)
    deploy(client, "kinds/mi_sequential.bpmn")
    office = bearer(client, "office1")
    signers = {name: bearer(client, name) for name in ("signer1", "signer2", "signer3")}

    started = start(
        client, office, "kinds_mi_sequential", data={"signers": ["signer2", "signer1", "signer3"]}
    )
    opinions = {"signer2": "agree", "signer1": "disagree", "signer3": "agree"}
    for name in ("signer2", "signer1", "signer3"):
        holders = {n: spec_ids(inbox(client, h)) for n, h in signers.items()}
        assert holders == {n: (["countersign"] if n == name else []) for n in signers}
        # the assignee, not the starter: the office oversees but does not get it in its inbox
        assert inbox(client, office) == []
        task = only_task(client, signers[name], "countersign")
        last = done(client, signers[name], task["id"], opinion=opinions[name])
    assert last["status"] == "completed"

    data = instance(client, office, started["id"])["data"]
    assert data["opinions"] == ["agree", "disagree", "agree"]
    assert data["agreed"] == 2


# --- timers -----------------------------------------------------------------------------------


def _timer_users() -> None:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("office1", Role.OFFICE_STAFF)
    make_user("supervisor1", Role.SUPERVISOR)


def test_interrupting_boundary_timer_not_reached_when_answered_in_time(
    client: FlaskClient,
) -> None:
    _timer_users()
    deploy(client, "kinds/timer_interrupting.bpmn")
    staff, office = bearer(client, "unit1"), bearer(client, "office1")
    started = start(client, office, "kinds_timer_interrupting", unit_code="FGW")
    assert instance(client, office, started["id"])["next_timer_at"] is not None
    finished = done(client, staff, only_task(client, staff, "respond")["id"], opinion="agree")
    assert finished["status"] == "completed" and finished["next_timer_at"] is None
    shown = instance(client, office, started["id"])
    assert event_elements(shown, "timer_fired") == []
    assert "end_on_time" in completed_elements(shown)
    assert "escalate" not in completed_elements(shown)
    assert inbox(client, office) == []


def test_interrupting_boundary_timer_takes_the_task_away_and_escalates(
    client: FlaskClient,
) -> None:
    _timer_users()
    deploy(client, "kinds/timer_interrupting.bpmn")
    staff, office = bearer(client, "unit1"), bearer(client, "office1")
    started = start(client, office, "kinds_timer_interrupting", unit_code="FGW")
    respond = only_task(client, staff, "respond")

    fire_timers(started["id"])  # not due yet: nothing happens
    assert only_task(client, staff, "respond")["id"] == respond["id"]
    assert inbox(client, office) == []

    fire_timers(started["id"], after=timedelta(seconds=1.6))
    assert inbox(client, staff) == []
    assert complete(client, staff, respond["id"], opinion="agree").status_code == 409
    escalate = only_task(client, office, "escalate")
    finished = done(client, office, escalate["id"], opinion="disagree")
    assert finished["status"] == "completed"

    shown = instance(client, office, started["id"])
    assert event_elements(shown, "timer_fired") == ["timeout"]
    assert event_elements(shown, "task_cancelled") == ["respond"]
    path = completed_elements(shown)
    assert "respond" not in path and "end_on_time" not in path
    assert path[-2:] == ["escalate", "end_escalated"]
    assert shown["data"]["opinion"] == "disagree"


def test_non_interrupting_boundary_timer_adds_a_chase_and_keeps_the_task(
    client: FlaskClient,
) -> None:
    _timer_users()
    deploy(client, "kinds/timer_noninterrupting.bpmn")
    office, supervisor = bearer(client, "office1"), bearer(client, "supervisor1")
    started = start(client, office, "kinds_timer_noninterrupting")
    review = only_task(client, office, "review")
    assert inbox(client, supervisor) == []

    fire_timers(started["id"], after=timedelta(seconds=1.6))
    assert only_task(client, office, "review")["id"] == review["id"]  # still open, same task
    assert instance(client, office, started["id"])["next_timer_at"] is None  # fired once
    chase = only_task(client, supervisor, "chase")

    after_review = done(client, office, review["id"], score=95)
    assert after_review["status"] == "waiting"  # the chase branch is still open
    assert [t["id"] for t in after_review["tasks"]] == [chase["id"]]
    finished = done(client, supervisor, chase["id"], chased=True)
    assert finished["status"] == "completed"

    shown = instance(client, office, started["id"])
    assert event_elements(shown, "timer_fired") == ["reminder"]
    assert event_elements(shown, "task_cancelled") == []
    path = completed_elements(shown)
    assert {"review", "end_reviewed", "chase", "end_chased"} <= set(path)
    assert shown["data"] == {"score": 95, "chased": True}  # both branches' data


def test_intermediate_timer_waits_then_gives_the_task_to_the_starter(
    client: FlaskClient,
) -> None:
    _timer_users()
    make_user("group1", Role.LEADING_GROUP)
    make_user("group2", Role.LEADING_GROUP)
    deploy(client, "kinds/timer_intermediate.bpmn")
    starter, other = bearer(client, "group1"), bearer(client, "group2")
    office = bearer(client, "office1")

    started = start(client, starter, "kinds_timer_intermediate", data={"wait_seconds": 1.5})
    assert started["status"] == "waiting" and started["tasks"] == []
    shown = instance(client, starter, started["id"])
    assert shown["next_timer_at"] is not None and shown["data"]["requested"] is True

    fire_timers(started["id"])  # too early
    assert inbox(client, starter) == [] and inbox(client, office) == []

    fire_timers(started["id"], after=timedelta(seconds=1.6))
    # a diagram without lanes: the starter and the office may work it, nobody else
    follow_up = only_task(client, starter, "follow_up")
    assert only_task(client, office, "follow_up")["id"] == follow_up["id"]
    assert inbox(client, other) == []
    assert complete(client, other, follow_up["id"], opinion="agree").status_code in (403, 404)
    finished = done(client, starter, follow_up["id"], opinion="agree")
    assert finished["status"] == "completed" and finished["next_timer_at"] is None

    shown = instance(client, starter, started["id"])
    assert event_elements(shown, "timer_fired") == ["wait"]
    assert completed_elements(shown) == ["start", "record", "follow_up", "done"]


# --- messages, signals, errors ----------------------------------------------------------------


def test_message_thrown_in_one_branch_starts_the_other_with_its_payload(
    client: FlaskClient,
) -> None:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("office1", Role.OFFICE_STAFF)
    deploy(client, "kinds/message.bpmn")
    staff, office = bearer(client, "unit1"), bearer(client, "office1")

    started = start(client, office, "kinds_message", unit_code="FGW")
    assert spec_ids(started["tasks"]) == ["submit_materials"]
    assert inbox(client, office) == []  # the review waits for the message

    after = done(
        client,
        staff,
        only_task(client, staff, "submit_materials")["id"],
        title="自评报告",
        pages=12,
    )
    assert after["status"] == "waiting" and spec_ids(after["tasks"]) == ["review_materials"]
    review = only_task(client, office, "review_materials")
    detail = client.get(f"/api/v1/tasks/{review['id']}", headers=office).get_json()
    assert detail["data"]["materials"] == {"title": "自评报告", "pages": 12}

    finished = done(client, office, review["id"], decision="approve")
    assert finished["status"] == "completed"
    shown = instance(client, office, started["id"])
    assert shown["data"]["materials"] == {"title": "自评报告", "pages": 12}
    path = completed_elements(shown)
    assert path.index("send_ready") < path.index("wait_ready") < path.index("review_materials")
    assert path[-2:] == ["join", "done"]


def _signal_setup(client: FlaskClient) -> tuple[Headers, Headers, dict[str, Any]]:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("office1", Role.OFFICE_STAFF)
    deploy(client, "kinds/signal.bpmn")
    staff, office = bearer(client, "unit1"), bearer(client, "office1")
    started = start(client, office, "kinds_signal", unit_code="FGW")
    assert spec_ids(started["tasks"]) == ["decide", "review"]
    return staff, office, started


def test_signal_thrown_in_one_branch_cancels_the_other_branch_task(client: FlaskClient) -> None:
    staff, office, started = _signal_setup(client)
    review = only_task(client, office, "review")
    finished = done(client, staff, only_task(client, staff, "decide")["id"], withdraw=True)
    assert finished["status"] == "completed" and finished["tasks"] == []
    assert inbox(client, office) == []
    assert complete(client, office, review["id"], decision="approve").status_code == 409

    shown = instance(client, office, started["id"])
    assert event_elements(shown, "task_cancelled") == ["review"]
    path = completed_elements(shown)
    assert "send_withdrawn" in path and "on_withdrawn" in path and "mark_withdrawn" in path
    assert "review" not in path and "end_reviewed" not in path
    assert shown["data"]["withdrawn"] is True


def test_no_signal_leaves_the_other_branch_task_to_finish(client: FlaskClient) -> None:
    staff, office, started = _signal_setup(client)
    after = done(client, staff, only_task(client, staff, "decide")["id"], withdraw=False)
    assert after["status"] == "waiting" and spec_ids(after["tasks"]) == ["review"]
    finished = done(client, office, only_task(client, office, "review")["id"], decision="approve")
    assert finished["status"] == "completed"

    shown = instance(client, office, started["id"])
    path = completed_elements(shown)
    assert "end_kept" in path and "end_reviewed" in path
    assert "send_withdrawn" not in path and "on_withdrawn" not in path
    assert "withdrawn" not in shown["data"]
    assert event_elements(shown, "task_cancelled") == []


def _error_setup(client: FlaskClient) -> tuple[Headers, Headers, int]:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    make_user("head1", (Role.UNIT_HEAD, unit))
    make_user("office1", Role.OFFICE_STAFF)
    deploy(client, "kinds/error.bpmn")
    started = start(client, bearer(client, "office1"), "kinds_error", unit_code="FGW")
    return bearer(client, "unit1"), bearer(client, "head1"), started["id"]


def test_error_end_event_in_subprocess_is_caught_by_its_boundary_event(
    client: FlaskClient,
) -> None:
    staff, head, instance_id = _error_setup(client)
    assert inbox(client, head) == []
    check = only_task(client, staff, "check")
    after = done(client, staff, check["id"], valid=False, note="缺少附件")
    assert after["status"] == "waiting" and spec_ids(after["tasks"]) == ["rectify"]
    assert inbox(client, staff) == []
    rectify = only_task(client, head, "rectify")
    detail = client.get(f"/api/v1/tasks/{rectify['id']}", headers=head).get_json()
    assert detail["data"]["invalid_detail"]["note"] == "缺少附件"
    finished = done(client, head, rectify["id"], decision="approve", comment="已补齐")
    assert finished["status"] == "completed"

    shown = instance(client, head, instance_id)
    assert shown["error"] is None
    path = completed_elements(shown)
    assert path.index("v_invalid") < path.index("caught_invalid") < path.index("rectify")
    assert "accept" not in path and "v_ok" not in path
    # data set inside the failed subprocess stays there; the error's payload carries the note
    assert shown["data"]["invalid_detail"] == {"code": "INVALID", "note": "缺少附件"}
    assert "accepted" not in shown["data"] and "valid" not in shown["data"]
    assert shown["data"]["comment"] == "已补齐"


def test_subprocess_without_error_takes_the_normal_flow(client: FlaskClient) -> None:
    staff, head, instance_id = _error_setup(client)
    check = only_task(client, staff, "check")
    finished = done(client, staff, check["id"], valid=True, note="材料齐全")
    assert finished["status"] == "completed"
    assert inbox(client, head) == []
    shown = instance(client, head, instance_id)
    path = completed_elements(shown)
    assert path.index("v_ok") < path.index("verify") < path.index("accept")
    assert "caught_invalid" not in path and "rectify" not in path
    assert shown["data"]["accepted"] is True and shown["data"]["note"] == "材料齐全"
    assert "invalid_detail" not in shown["data"]


# --- business rules ---------------------------------------------------------------------------


def test_dmn_business_rule_task_grades_and_routes(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    deployed = deploy(client, "kinds/dmn_grade.bpmn", "kinds/kinds_grade.dmn")
    assert deployed["key"] == "kinds_dmn"
    office = bearer(client, "office1")

    top = start(client, office, "kinds_dmn", data={"score": 95})
    assert top["status"] == "completed" and top["tasks"] == []
    data = instance(client, office, top["id"])["data"]
    assert (data["grade"], data["needs_rectification"]) == ("A", False)

    results = {}
    for score in (75, 59):
        started = start(client, office, "kinds_dmn", data={"score": score})
        assert started["status"] == "waiting"
        assert spec_ids(started["tasks"]) == ["review_grade"]
        [review] = [t for t in inbox(client, office) if t["instance_id"] == started["id"]]
        finished = done(client, office, review["id"], decision="approve")
        assert finished["status"] == "completed"
        shown = instance(client, office, started["id"])
        results[score] = (shown["data"]["grade"], shown["data"]["needs_rectification"])
        assert "review_grade" in completed_elements(shown)
    assert results == {75: ("B", False), 59: ("C", True)}
    assert "review_grade" not in completed_elements(instance(client, office, top["id"]))
