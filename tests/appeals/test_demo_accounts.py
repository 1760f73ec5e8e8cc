"""CONTRACT: the shipped `appeal`, `signoff` and `rectification` procedures, started through
the API, are driven to their end by the demo accounts working their own inboxes."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.calendar.workdays import SHANGHAI
from app.db import utcnow
from app.extensions import db
from app.org.demo import load_demo
from app.org.services import memberships
from app.scoring.gather import compute_year
from app.scoring.services import latest_run
from app.signoff.models import GradeNotice
from tests.appeals.drive import deliver, file_appeal, review, sign
from tests.factories import PASSWORD, SYSTEM
from tests.indicators.drive import done, only_task, work
from tests.scoring.builders import worked_example_document
from tests.scoring.records import record_document
from tests.workflow.helpers import bearer, inbox, instance, start

ROOT = Path(__file__).resolve().parent.parent.parent


def _meeting(client: FlaskClient, spec_id: str, day: str) -> None:
    """secretary1 records the meeting's approval with its minutes document."""
    headers = bearer(client, "secretary1")
    task = only_task(client, headers, spec_id)
    minutes = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=headers,
        data={"file": (io.BytesIO(b"%PDF-1.7\n minutes"), "会议纪要.pdf")},
        content_type="multipart/form-data",
    )
    assert minutes.status_code == 201, minutes.get_json()
    done(
        client,
        headers,
        task,
        meeting_date=day,
        meeting_decision="approve",
        minutes=f"{day} 会议研究考核等次",
        minutes_document=minutes.get_json()["id"],
    )


def _sign_off(client: FlaskClient) -> None:
    """office1 proposes the grades, group1 approves, secretary1 records both meetings."""
    office = bearer(client, "office1")
    start(client, office, "signoff", data={"year": 2026})
    done(client, office, only_task(client, office, "office_proposal"), office_action="submit")
    work(client, "group1", "group_review", group_decision="approve")
    _meeting(client, "gov_meeting", "2026-03-12")
    _meeting(client, "party_meeting", "2026-03-20")


def _rectify(client: FlaskClient, unit_code: str) -> dict[str, Any]:
    """office1 orders a rectification of the unit through the API; unit1 replies, head1 signs,
    office1 accepts."""
    started = start(
        client,
        bearer(client, "office1"),
        "rectification",
        unit_code=unit_code,
        data={"year": 2026, "kind": "results", "subject": "考核结果反馈问题整改", "workdays": 10},
    )
    reply = work(client, "unit1", "reply", reply="已对照反馈问题逐项整改。")
    assert reply["due_at"] is not None
    work(client, "head1", "head_sign", head_decision="sign", head_comment="同意报送")
    work(client, "office1", "office_review", office_decision="accept", office_comment="整改到位")
    return started


def test_the_demo_accounts_drive_appeal_signoff_and_rectification(
    app: Flask, client: FlaskClient
) -> None:
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

    with time_machine.travel(at, tick=False):
        _sign_off(client)
        rectification = _rectify(client, unit_code)
    db.session.expire_all()
    notice = db.session.execute(select(GradeNotice)).scalar_one()
    assert notice.score_run.version == 2
    assert len(notice.grades) == len(memberships(db.session, 2026))
    office = bearer(client, "office1")
    assert instance(client, office, rectification["id"])["status"] == "completed"
    for username in ("office1", "group1", "secretary1", "unit1", "head1"):
        assert inbox(client, bearer(client, username)) == [], username
