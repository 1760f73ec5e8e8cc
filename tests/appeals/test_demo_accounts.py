"""CONTRACT: the shipped `appeal` procedure, started through the API for the first demo unit,
is driven to its end by the demo accounts working their own inboxes."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.calendar.workdays import SHANGHAI
from app.db import utcnow
from app.extensions import db
from app.org.demo import load_demo
from app.org.services import memberships
from app.scoring.gather import compute_year
from app.scoring.services import latest_run
from tests.appeals.drive import deliver, file_appeal, review, sign
from tests.factories import PASSWORD, SYSTEM
from tests.indicators.drive import work
from tests.scoring.builders import worked_example_document
from tests.scoring.records import record_document
from tests.workflow.helpers import bearer, instance

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_demo_accounts_drive_an_appeal_to_its_end(app: Flask, client: FlaskClient) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    load_demo(db.session, password=PASSWORD, now=utcnow())
    units = [
        {**worked_example_document(m.unit.code), "category": m.category.value}
        for m in memberships(db.session, 2026)
    ]
    record_document(db.session, {"year": 2026, "units": units}, now=utcnow())
    compute_year(db.session, SYSTEM, 2026, "年度计分", now=utcnow())
    db.session.commit()
    owner = bearer(client, "owner1")
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        deployed = client.post(
            "/api/v1/process-definitions",
            headers=owner,
            data={"file": [(io.BytesIO(path.read_bytes()), path.name)]},
            content_type="multipart/form-data",
        )
        assert deployed.status_code == 201, (path.name, deployed.get_json())
    [grant] = client.get("/api/v1/me", headers=bearer(client, "unit1")).get_json()["roles"]
    unit_code = grant["unit_code"]

    at = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(at, tick=False):
        started = deliver(client, unit_code, at)
        file_appeal(client, "unit1")
        sign(client, "head1")
        review(
            client,
            office_decision="upheld",
            reply="经复核，更正部门评价得分。",
            corrected={"departmental.leadership": "15"},
        )
        work(client, "unit1", "read_reply", acknowledged=True)
    assert instance(client, bearer(client, "office1"), started["id"])["status"] == "completed"
    assert latest_run(db.session, 2026).version == 2
