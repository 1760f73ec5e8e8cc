"""A Camunda Modeler diagram runs like a spiff one: formKey, assignee, candidateGroups, dueDate."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_user
from tests.workflow.helpers import DIAGRAMS, bearer, complete, inbox, instance, start, upload


def test_a_camunda_modeler_diagram_runs_with_its_assignments(client: FlaskClient) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("drafter", Role.EXPERT)
    make_user("expert2", Role.EXPERT)
    owner, office = bearer(client, "owner1"), bearer(client, "office1")
    drafter, other_expert = bearer(client, "drafter"), bearer(client, "expert2")

    deployed = upload(client, owner, "camunda_review.bpmn")
    assert deployed.status_code == 201, deployed.get_json()
    listed = client.get("/api/v1/process-definitions", headers=owner).get_json()
    assert listed[0]["dialect"] == "camunda"

    deadline = datetime(2030, 1, 15, 9, 30, tzinfo=UTC).isoformat()
    started = start(
        client, office, "camunda_review", data={"drafter": "drafter", "deadline": deadline}
    )
    [draft] = inbox(client, drafter)
    assert draft["form"] == "draft"
    assert draft["due_at"] == "2030-01-15T17:30:00+08:00"
    assert inbox(client, other_expert) == []
    assert [t["spec_id"] for t in inbox(client, office)] == []  # assigned to one person only

    detail = client.get(f"/api/v1/tasks/{draft['id']}", headers=drafter).get_json()
    assert detail["form"]["schema"]["required"] == ["title", "weight"]
    assert detail["data"]["drafter"] == "drafter"

    assert complete(client, drafter, draft["id"], title="营商环境", weight=30).status_code == 200
    [check] = inbox(client, office)
    assert check["spec_id"] == "Activity_check" and check["role"] == "office_staff"
    assert check["due_at"] == "2030-06-30T18:00:00+08:00"
    done = complete(client, office, check["id"], decision="approve").get_json()["instance"]
    assert done["status"] == "completed"
    assert instance(client, office, started["id"])["data"]["points"] == "15.0"


def test_cli_deploys_files_and_folders_and_prints_versions(app: object, tmp_path: object) -> None:
    from pathlib import Path

    runner = app.test_cli_runner()  # type: ignore[attr-defined]
    first = runner.invoke(args=["bpmn", "deploy", str(DIAGRAMS / "review_lanes.bpmn")])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "review_lanes 1"
    folder = Path(str(tmp_path)) / "diagrams"
    folder.mkdir()
    for name in ("review_lanes.bpmn", "camunda_review.bpmn"):
        (folder / name).write_bytes((DIAGRAMS / name).read_bytes())
    mixed = runner.invoke(args=["bpmn", "deploy", str(folder / "camunda_review.bpmn")])
    assert mixed.output.strip() == "camunda_review 1"
    broken = folder / "broken.bpmn"
    broken.write_text("<bpmn:definitions")
    failed = runner.invoke(args=["bpmn", "deploy", str(broken)])
    assert failed.exit_code != 0 and "well-formed" in failed.output


def test_a_camunda_diagram_saved_with_the_spiff_namespace_declared_stays_camunda(
    client: FlaskClient,
) -> None:
    """The workbench's modeler declares spiff's namespace on every diagram it saves; only
    spiff elements in use make a diagram spiff."""
    make_user("owner1", Role.PROCESS_OWNER)
    xml = (DIAGRAMS / "camunda_review.bpmn").read_bytes()
    declared = xml.replace(
        b"<bpmn:definitions ",
        b'<bpmn:definitions xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" ',
        1,
    )
    assert declared != xml
    deployed = upload(client, bearer(client, "owner1"), ("camunda_review.bpmn", declared))
    assert deployed.status_code == 201, deployed.get_json()
    listed = client.get("/api/v1/process-definitions", headers=bearer(client, "owner1")).get_json()
    assert listed[0]["dialect"] == "camunda"


def test_a_camunda_diagram_edited_in_the_workbench_keeps_its_camunda_assignments(
    client: FlaskClient,
) -> None:
    """The workbench writes spiff properties; the Camunda attributes it leaves are still read."""
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("drafter", Role.EXPERT)
    xml = (DIAGRAMS / "camunda_review.bpmn").read_text()
    spiff = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    edited = xml.replace("<bpmn:definitions ", f"<bpmn:definitions {spiff}", 1).replace(
        'camunda:dueDate="2030-06-30T18:00:00+08:00" />',
        'camunda:dueDate="2030-06-30T18:00:00+08:00"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="reminderWorkdays" value="2"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>",
        1,
    )
    assert edited.count("spiffworkflow:property ") == 1
    owner, office = bearer(client, "owner1"), bearer(client, "office1")
    deployed = upload(client, owner, ("camunda_review.bpmn", edited.encode()))
    assert deployed.status_code == 201, deployed.get_json()
    listed = client.get("/api/v1/process-definitions", headers=owner).get_json()
    assert listed[0]["dialect"] == "spiff"

    start(client, office, "camunda_review", data={"drafter": "drafter", "deadline": "2030-01-15"})
    [draft] = inbox(client, bearer(client, "drafter"))
    assert (draft["form"], draft["due_at"][:10]) == ("draft", "2030-01-15")
    assert (
        complete(
            client, bearer(client, "drafter"), draft["id"], title="营商", weight=30
        ).status_code
        == 200
    )
    [check] = inbox(client, office)
    assert (check["form"], check["due_at"]) == ("decision", "2030-06-30T18:00:00+08:00")
