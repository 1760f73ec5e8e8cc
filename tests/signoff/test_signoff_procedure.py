"""The `signoff` diagram (policy §23) driven through the API: the office proposes, the leading
group and the two meetings (recorded by the secretary) approve or return, each from its inbox."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.signoff.models import FinalGrade, GradeNotice
from tests.indicators.drive import done, only_task
from tests.signoff.province import deploy_signoff, make_province, store
from tests.workflow.helpers import bearer, complete, inbox, instance, start

YEAR = 2026
NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def province(app: Flask, client: FlaskClient) -> FlaskClient:
    make_province()
    store(YEAR, NOW)
    deploy_signoff(app, client)
    return client


def _minutes(client: FlaskClient, headers: dict[str, str], task: dict[str, Any]) -> str:
    response = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=headers,
        data={"file": (io.BytesIO(b"%PDF-1.7\n minutes"), "会议纪要.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _meeting(client: FlaskClient, decision: str, day: str, comment: str = "") -> dict[str, Any]:
    secretary = bearer(client, "secretary1")
    task = (
        only_task(client, secretary, "gov_meeting")
        if any(t["spec_id"] == "gov_meeting" for t in inbox(client, secretary))
        else only_task(client, secretary, "party_meeting")
    )
    done(
        client,
        secretary,
        task,
        meeting_date=day,
        meeting_decision=decision,
        meeting_comment=comment,
        minutes=f"{day} 会议研究考核等次",
        minutes_document=_minutes(client, secretary, task),
    )
    return task


def _final_grades() -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.execute(select(FinalGrade)).scalars()
    return {row.unit.code: row.grade.value for row in rows}


def test_the_proposal_goes_up_the_chain_is_returned_changed_resent_and_becomes_final(
    province: FlaskClient,
) -> None:
    client = province
    office, group = bearer(client, "office1"), bearer(client, "group1")
    started = start(client, office, "signoff", data={"year": YEAR})

    # The office's task shows the latest version's proposal per category, read-only.
    proposal = only_task(client, office, "office_proposal")
    assert proposal["data"]["proposal_version"] == 1
    rows = {row["unit"]: row for row in proposal["data"]["proposal"]}
    assert rows["省发展改革委"]["grade"] == "优秀"
    assert rows["省发展改革委"]["category"] == "经济发展类"
    assert proposal["form"]["schema"]["properties"]["proposal"]["readOnly"] is True
    offered = proposal["form"]["schema"]["properties"]["office_action"]["oneOf"]
    assert {choice["const"] for choice in offered} == {"submit", "reload"}
    forged = complete(client, office, proposal["id"], office_action="submit", proposal=[])
    assert forged.status_code == 422
    done(client, office, proposal, office_action="submit", office_note="请审议")

    # The leading group sees the office's opinion and approves; nothing is final yet.
    review = only_task(client, group, "group_review")
    assert [o["step"] for o in review["data"]["opinions"]] == ["省绩效办报送"]
    no_reason = complete(client, group, review["id"], group_decision="return")
    assert no_reason.status_code == 422
    done(client, group, review, group_decision="approve", group_comment="同意")
    assert _final_grades() == {}

    # The government meeting returns it; the office recomputes (a correction) and resends.
    _meeting(client, "return", "2027-03-05", comment="请核实省商务厅的领导评价")
    assert _final_grades() == {}
    back = only_task(client, office, "office_proposal")
    earlier = back["data"]["opinions"]
    assert [o["decision"] for o in earlier] == ["submit", "approve", "return"]
    assert earlier[-1]["comment"] == "请核实省商务厅的领导评价"
    store(YEAR, NOW, ratings={"SWT": "100", "FGW": "20"})
    # Sending the stale version brings the new one back to the office first.
    done(client, office, back, office_action="submit", office_note="已更正后重新计分")
    resent = only_task(client, office, "office_proposal")
    assert resent["data"]["proposal_version"] == 2
    changed = {row["unit"]: row["grade"] for row in resent["data"]["proposal"]}
    assert changed["省商务厅"] == "优秀"
    done(client, office, resent, office_action="submit", office_note="已更正后重新计分")

    review = only_task(client, group, "group_review")
    assert [o["step"] for o in review["data"]["opinions"]][-1] == "省绩效办报送"
    done(client, group, review, group_decision="approve")
    _meeting(client, "approve", "2027-03-12")
    assert _final_grades() == {}
    party = only_task(client, bearer(client, "secretary1"), "party_meeting")
    steps = [o["step"] for o in party["data"]["opinions"]]
    assert steps[-1] == "省政府常务会议" and steps.count("省绩效管理工作领导小组审议") == 2
    _meeting(client, "approve", "2027-03-20")

    assert instance(client, office, started["id"])["status"] == "completed"
    assert _final_grades() == {"SWT": "优秀", "NYT": "良好", "FGW": "合格", "JYT": "合格"}
    notice = db.session.execute(select(GradeNotice)).scalar_one()
    assert notice.score_run.version == 2
    assert notice.approved_by == "省委常委会会议"
    assert notice.approved_on.isoformat() == "2027-03-20"
    assert [link["decision"] for link in notice.approval_chain].count("return") == 1
    assert notice.pdf.startswith(b"%PDF") and b"2026" in notice.pdf
    audited = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "signoff.grades_final")
    ).scalar_one()
    assert audited.actor_name == "secretary1"
    assert audited.after["score_version"] == 2


def test_a_year_already_final_cannot_be_signed_off_again(province: FlaskClient) -> None:
    client = province
    office = bearer(client, "office1")
    start(client, office, "signoff", data={"year": YEAR})
    done(client, office, only_task(client, office, "office_proposal"), office_action="submit")
    done(
        client,
        bearer(client, "group1"),
        only_task(client, bearer(client, "group1"), "group_review"),
        group_decision="approve",
    )
    _meeting(client, "approve", "2027-03-12")
    _meeting(client, "approve", "2027-03-20")
    again = start(client, office, "signoff", data={"year": YEAR})
    assert again["status"] == "error"
    assert len(_final_grades()) == 4
