"""A small province from delivered scores to the published notice (issue 14, "Done when"): two
categories of four units; results delivered to all; one appeal filed too late and refused, one
upheld that changes a grade, the rest closed unanswered by the window's timer; a return at the
government meeting; the final grades, next year's quotas and the notice checked against an
independent computation from the inputs."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.delivery import deliver_results
from app.appeals.models import DeliveryState, ResultDelivery
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.workdays import SHANGHAI
from app.extensions import db
from app.results.services import year_results
from app.scoring.arithmetic import rounded
from app.scoring.gather import compute_year
from app.scoring.inputs import parse_inputs
from app.scoring.services import compute_scores, latest_run
from app.signoff.models import FinalGrade, GradeNotice
from app.workflow.timers.scheduler import run_tick
from tests.appeals.drive import file_appeal, review, sign
from tests.factories import SYSTEM, make_unit, make_user
from tests.indicators.drive import done, only_task
from tests.scoring.builders import worked_example_document
from tests.scoring.records import record_document
from tests.workflow.helpers import bearer, inbox, start, upload

ROOT = Path(__file__).resolve().parent.parent.parent
YEAR = 2026
DELIVERED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
APPEAL_DUE = datetime(2026, 3, 9, 23, 59, 59, tzinfo=SHANGHAI)  # the 5th working day after
# code, name, category, headcount, the leaders' rating that orders the category
UNITS = (
    ("FGW", "省发展改革委", "economic", 260, "100"),
    ("NYT", "省农业农村厅", "economic", 120, "90"),
    ("SWT", "省商务厅", "economic", 95, "60"),
    ("GXT", "省工业和信息化厅", "economic", 150, "30"),
    ("JYT", "省教育厅", "social_service", 77, "95"),
    ("WJW", "省卫生健康委", "social_service", 88, "85"),
    ("MZT", "省民政厅", "social_service", 64, "70"),
    ("KJT", "省科技厅", "social_service", 58, "40"),
)


def _inputs() -> dict[str, Any]:
    units = []
    for code, _name, category, headcount, rating in UNITS:
        unit = worked_example_document(code)
        unit.update(category=category, headcount=headcount, leaders=[rating])
        units.append(unit)
    units[-1]["deductions"] = "100"  # KJT sinks below 70: 不合格 whatever its rank
    return {"year": YEAR, "units": units}


def _expected(document: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Grades and next year's 优秀 places computed straight from an inputs document, with no
    database, procedure or stored version in between."""
    proposal = compute_scores(parse_inputs(document)).proposal
    return {p.code: (p.grade.value, p.excellent_places) for p in proposal.units}


def _province(app: Flask, client: FlaskClient) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    units = {
        code: make_unit(code, name=name, category=category, headcount=headcount, year=YEAR)
        for code, name, category, headcount, _rating in UNITS
    }
    for username, role in (
        ("owner1", Role.PROCESS_OWNER),
        ("office1", Role.OFFICE_STAFF),
        ("director1", Role.OFFICE_DIRECTOR),
        ("group1", Role.LEADING_GROUP),
        ("secretary1", Role.COMMITTEE_SECRETARY),
    ):
        make_user(username, role)
    make_user("unit1", (Role.UNIT_STAFF, units["NYT"]))
    make_user("head1", (Role.UNIT_HEAD, units["NYT"]))
    make_user("unit2", (Role.UNIT_STAFF, units["SWT"]))
    make_user("head2", (Role.UNIT_HEAD, units["SWT"]))
    owner = bearer(client, "owner1")
    for name in ("appeal.bpmn", "signoff.bpmn"):
        response = upload(client, owner, (name, (ROOT / "bpmn" / name).read_bytes()))
        assert response.status_code == 201, response.get_json()
    scored_at = datetime(2026, 2, 27, tzinfo=UTC)
    record_document(db.session, _inputs(), now=scored_at)
    compute_year(db.session, SYSTEM, YEAR, "年度计分", now=scored_at)
    db.session.commit()


def _deliveries() -> dict[str, DeliveryState]:
    db.session.expire_all()
    rows = db.session.execute(select(ResultDelivery)).scalars()
    return {row.unit.code: row.state for row in rows}


def _minutes(client: FlaskClient, headers: dict[str, str], task: dict[str, Any]) -> str:
    response = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=headers,
        data={"file": (io.BytesIO(b"%PDF-1.7\n minutes"), "会议纪要.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _meeting(client: FlaskClient, spec_id: str, decision: str, day: str, comment: str = "") -> None:
    secretary = bearer(client, "secretary1")
    task = only_task(client, secretary, spec_id)
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


def _sign_off(client: FlaskClient) -> None:
    office, group = bearer(client, "office1"), bearer(client, "group1")
    start(client, office, "signoff", data={"year": YEAR})
    done(client, office, only_task(client, office, "office_proposal"), office_action="submit")
    done(client, group, only_task(client, group, "group_review"), group_decision="approve")
    _meeting(client, "gov_meeting", "return", "2027-03-05", comment="请核对社会服务类的排名")
    assert db.session.execute(select(FinalGrade)).first() is None
    back = only_task(client, office, "office_proposal")
    assert back["data"]["opinions"][-1]["comment"] == "请核对社会服务类的排名"
    done(client, office, back, office_action="submit", office_note="已核对，排名无误")
    done(client, group, only_task(client, group, "group_review"), group_decision="approve")
    _meeting(client, "gov_meeting", "approve", "2027-03-12")
    _meeting(client, "party_meeting", "approve", "2027-03-20")


def test_a_small_province_from_delivered_scores_to_the_published_notice(
    app: Flask, client: FlaskClient
) -> None:
    _province(app, client)
    assert _expected(_inputs())["FGW"][0] == "优秀"

    with time_machine.travel(DELIVERED, tick=False):
        report = deliver_results(db.session, SYSTEM, YEAR, DELIVERED.astimezone(UTC))
        db.session.commit()
    assert sorted(code for code, _instance in report.started) == sorted(c for c, *_r in UNITS)

    # NYT appeals in time: five points were deducted for a report the office had accepted.
    with time_machine.travel(DELIVERED + timedelta(days=1), tick=False):
        file_appeal(client, "unit1", "第三季度报告已按时报送，扣分有误。")
        sign(client, "head1")
        review(
            client,
            office_decision="upheld",
            reply="经复核，撤销该项扣分。",
            corrected={"deductions": "0"},
        )
    corrected = copy.deepcopy(_inputs())
    next(u for u in corrected["units"] if u["code"] == "NYT")["deductions"] = "0"
    expected = _expected(corrected)
    assert _expected(_inputs())["NYT"][0] != expected["NYT"][0]  # the appeal matters

    # SWT files after the deadline, before the scheduler closed its window: refused.
    late = APPEAL_DUE + timedelta(minutes=10)
    with time_machine.travel(late, tick=False):
        file_appeal(client, "unit2", "请求复核。")
    assert inbox(client, bearer(client, "head2")) == []

    # The other windows close unanswered when the scheduler fires their timers.
    with time_machine.travel(late, tick=False):
        run_tick(db.session, now=late.astimezone(UTC))
    states = _deliveries()
    assert states["NYT"] is DeliveryState.UPHELD
    assert states["SWT"] is DeliveryState.REFUSED_LATE
    assert {states[code] for code in ("FGW", "GXT", "JYT", "WJW", "MZT", "KJT")} == {
        DeliveryState.WINDOW_CLOSED
    }
    assert latest_run(db.session, YEAR).version == 2

    _sign_off(client)

    db.session.expire_all()
    rows = db.session.execute(select(FinalGrade)).scalars()
    finals = {row.unit.code: row.grade.value for row in rows}
    assert finals == {code: grade for code, (grade, _places) in expected.items()}
    # by hand: NYT now tops the economic category, KJT's T is below 70
    assert (finals["NYT"], finals["FGW"], finals["KJT"]) == ("优秀", "良好", "不合格")
    office = db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    results = {r.code: r for r in year_results(db.session, actor_for(office), YEAR)}
    assert {code: r.excellent_places for code, r in results.items()} == {
        code: places for code, (_grade, places) in expected.items()
    }
    # ⌊20 % × 120⌋, ⌊18 % × 260⌋, ⌊10 % × 58⌋
    assert (results["NYT"].excellent_places, results["FGW"].excellent_places) == (24, 46)
    assert results["KJT"].excellent_places == 5
    notice = db.session.execute(select(GradeNotice)).scalar_one()
    assert notice.score_run.version == 2
    assert notice.pdf.startswith(b"%PDF")
    portal = client.get(f"/portal/results/{YEAR}").get_data(as_text=True)
    for _code, name, *_rest in UNITS:
        assert name in portal
    assert "优秀" in portal and "不合格" in portal
    totals = {r.unit.code: rounded(Decimal(r.t)) for r in latest_run(db.session, YEAR).rows}
    assert totals["NYT"] > totals["FGW"] and totals["KJT"] < 70
