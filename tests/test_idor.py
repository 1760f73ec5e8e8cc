"""Cross-agency access by id (SECURITY S5): another unit's task, instance and evidence answer 404
exactly like a missing one, leak nothing, and leave an audit row."""

from __future__ import annotations

import io
import uuid

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.extensions import db
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, inbox, start, upload

PDF = b"%PDF-1.4\n%%EOF\n"


def _denials() -> int:
    db.session.expire_all()
    count = db.session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "access.denied")
    ).scalar_one()
    db.session.commit()
    return int(count)


def test_another_units_task_instance_and_evidence_look_missing(client: FlaskClient) -> None:
    mine, theirs = make_unit("FGW"), make_unit("JYT")
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, mine))
    make_user("unit2", (Role.UNIT_STAFF, theirs))
    upload(client, bearer(client, "owner1"), "review_lanes.bpmn", "progress_report.bpmn")
    started = start(client, bearer(client, "office1"), "review_lanes", unit_code="FGW")
    [task] = inbox(client, bearer(client, "unit1"))

    # Evidence of unit FGW, uploaded by office staff on a report for FGW.
    report = start(client, bearer(client, "office1"), "progress_report_test", unit_code="FGW")
    sign_in(client, "office1")
    link = f"/tasks/{report['tasks'][0]['id']}"
    client.post(
        link,
        data={
            "csrf_token": page_csrf(client, link),
            "summary": "按计划推进",
            "percent": "50",
            "evidence": (io.BytesIO(PDF), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    from app.evidence.models import EvidenceFile

    evidence_id = db.session.execute(select(EvidenceFile.id)).scalar_one()
    db.session.commit()

    outsider = bearer(client, "unit2")
    before = _denials()
    missing = client.get(f"/api/v1/tasks/{uuid.uuid4()}", headers=outsider)
    assert missing.status_code == 404
    for method, path in [
        ("GET", f"/api/v1/tasks/{task['id']}"),
        ("POST", f"/api/v1/tasks/{task['id']}/claim"),
        ("POST", f"/api/v1/tasks/{task['id']}/complete"),
        ("GET", f"/api/v1/process-instances/{started['id']}"),
    ]:
        response = client.open(path, method=method, headers=outsider, json={"data": {}})
        assert response.status_code == 404, path
        body = response.get_json()
        assert body["error"]["code"] == "not_found"
        assert task["id"] not in response.get_data(as_text=True)
        assert "FGW" not in response.get_data(as_text=True)
    assert _denials() == before + 4
    planted = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=outsider,
        data={"file": (io.BytesIO(PDF), "planted.pdf")},
        content_type="multipart/form-data",
    )
    assert planted.status_code == 404 and _denials() == before + 5
    assert db.session.execute(select(func.count()).select_from(EvidenceFile)).scalar_one() == 1

    sign_in(client, "unit2")
    assert client.get(f"/evidence/{evidence_id}").status_code == 404
    assert client.get(f"/evidence/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/tasks/{task['id']}").status_code == 404
    for instance_id in range(1, started["id"] + 3):  # sequential ids
        assert client.get(f"/instances/{instance_id}").status_code == 404
    assert _denials() >= before + 5 + 2 + started["id"]
