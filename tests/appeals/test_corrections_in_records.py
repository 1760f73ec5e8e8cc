"""An upheld appeal corrects the records the scores are gathered from (issue 14): the new
version is computed from them, so a later `scores compute` keeps the correction."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.trail import appeal_trail
from app.audit.models import AuditEntry
from app.calendar.workdays import SHANGHAI
from app.evaluations.models import DepartmentItem, DepartmentScore
from app.extensions import db
from app.org.services import unit_by_code
from app.progress.models import Proposal
from app.scoring.inputs import parse_inputs
from app.scoring.services import compute_scores, latest_run, run_of
from app.verification.models import VerificationEntry
from tests.appeals.conftest import inputs_document
from tests.appeals.drive import deliver, file_appeal, review, sign
from tests.factories import sign_in
from tests.indicators.drive import only_task
from tests.workflow.helpers import bearer

DELIVERED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
CORRECTED = {
    "indicators[0].completion": "1",
    "departmental.leadership": "15",
    "deductions": "2",
}


def _t(version: int, code: str) -> str:
    db.session.expire_all()
    run = run_of(db.session, 2026, version)
    return next(row.t for row in run.rows if row.unit.code == code)


def _expected_t(document: dict[str, Any], code: str) -> str:
    return str(compute_scores(parse_inputs(document)).score_of(code).T)


def _uphold(client: FlaskClient, corrected: dict[str, str]) -> None:
    with time_machine.travel(DELIVERED, tick=False):
        deliver(client, "NYT", DELIVERED)
        file_appeal(client, "unit1")
        sign(client, "head1")
        review(client, office_decision="upheld", reply="经复核，予以更正。", corrected=corrected)


def test_the_correction_survives_scores_compute(province: FlaskClient, runner: Any) -> None:
    client = province
    _uphold(client, CORRECTED)
    assert latest_run(db.session, 2026).version == 2
    corrected = copy.deepcopy(inputs_document())
    nyt = next(unit for unit in corrected["units"] if unit["code"] == "NYT")
    nyt["indicators"][0]["completion"] = "1"
    nyt["departmental"]["leadership"][0] = "15"
    nyt["deductions"] = "2"
    expected = _expected_t(corrected, "NYT")
    assert _t(2, "NYT") == expected != _t(1, "NYT")

    # the records hold the corrections, each written by its owning service
    unit_id = unit_by_code(db.session, "NYT").id
    completions = db.session.execute(
        select(VerificationEntry.verified_completion).order_by(VerificationEntry.id)
    ).scalars()
    assert Decimal(1) in list(completions)
    leadership = db.session.execute(
        select(DepartmentScore.actual).where(
            DepartmentScore.unit_id == unit_id, DepartmentScore.item == DepartmentItem.LEADERSHIP
        )
    ).scalar_one()
    assert leadership == Decimal(15)
    correction = db.session.execute(
        select(Proposal).where(Proposal.rule_code == "deductions_correction")
    ).scalar_one()
    assert (correction.unit_id, correction.points) == (unit_id, Decimal(3))
    assert correction.source_key == f"appeal:{correction.source['appeal_id']}"
    sign_in(client, "office1")
    board = client.get("/progress/proposals?year=2026&status=all").get_data(as_text=True)
    assert "申诉更正扣分" in board
    audited = {
        entry.action: entry
        for entry in db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    }
    for action in ("verification.corrected", "department_item.correct", "p_proposal.correct"):
        assert "申诉" in audited[action].after["reason"], action
    assert audited["verification.corrected"].before["verified_completion"] == "0.8000"
    assert audited["department_item.correct"].before["actual"] == "14.00"
    assert audited["p_proposal.correct"].before["deductions"] == "5"

    # the same path as `flask --app wsgi scores compute 2026`
    result = runner.invoke(args=["scores", "compute", "2026", "--reason", "重新计分"])
    assert result.exit_code == 0, result.output
    assert latest_run(db.session, 2026).version == 3
    assert _t(3, "NYT") == expected
    assert run_of(db.session, 2026, 3).inputs == run_of(db.session, 2026, 2).inputs

    [delivery] = appeal_trail(db.session, 2026, "NYT")["deliveries"]
    decision = delivery["appeals"][0]["decision"]
    assert (decision["version_before"], decision["version_after"]) == (1, 2)
    assert {change["input"]: change["old"] for change in decision["changes"]} == {
        "indicators[0].completion": "0.8",
        "departmental.leadership": "14",
        "deductions": "5",
    }


def test_a_departmental_correction_alone_survives_scores_compute(
    province: FlaskClient, runner: Any
) -> None:
    _uphold(province, {"departmental.leadership": "15"})
    corrected = copy.deepcopy(inputs_document())
    next(u for u in corrected["units"] if u["code"] == "NYT")["departmental"]["leadership"][0] = (
        "15"
    )
    expected = _expected_t(corrected, "NYT")
    assert _t(2, "NYT") == expected != _t(1, "NYT")
    result = runner.invoke(args=["scores", "compute", "2026", "--reason", "重新计分"])
    assert result.exit_code == 0, result.output
    assert _t(3, "NYT") == expected


def test_a_record_changed_since_the_version_stops_the_correction(province: FlaskClient) -> None:
    client = province
    unit_id = unit_by_code(db.session, "NYT").id
    score = db.session.execute(
        select(DepartmentScore).where(
            DepartmentScore.unit_id == unit_id, DepartmentScore.item == DepartmentItem.LEADERSHIP
        )
    ).scalar_one()
    score.actual = Decimal(13)  # entered again after version 1 was computed
    db.session.commit()
    _uphold(client, {"departmental.leadership": "15"})
    again = only_task(client, bearer(client, "office1"), "office_review")
    [problem] = again["data"]["decision_problems"]
    assert "13.00" in problem and "14" in problem
    assert latest_run(db.session, 2026).version == 1
    db.session.expire_all()
    assert db.session.get(DepartmentScore, score.id).actual == Decimal(13)
