"""A small province for sign-off and results: two categories, four units, the sign-off accounts,
score versions stored from inputs built here."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from app.extensions import db
from app.scoring.inputs import parse_inputs
from app.scoring.models import ScoreRun
from app.scoring.services import store_scores
from app.signoff.models import GradeNotice
from app.signoff.services import finalize_grades
from tests.factories import SYSTEM, make_unit, make_user
from tests.scoring.builders import worked_example_document
from tests.workflow.helpers import bearer, upload

ROOT = Path(__file__).resolve().parent.parent.parent

# code, name, category, headcount, the leaders' rating that sets the unit's T
UNITS = (
    ("FGW", "省发展改革委", "economic", 260, "100"),
    ("NYT", "省农业农村厅", "economic", 120, "60"),
    ("SWT", "省商务厅", "economic", 95, "20"),
    ("JYT", "省教育厅", "social_service", 77, "90"),
)


def make_province(years: tuple[int, ...] = (2026,)) -> None:
    """The four units, assessed in each of `years`, and one account per sign-off role."""
    units = {}
    for year in years:
        for code, name, category, headcount, _rating in UNITS:
            units[code] = make_unit(
                code, name=name, category=category, headcount=headcount, year=year
            )
    make_user("office1", Role.OFFICE_STAFF)
    make_user("group1", Role.LEADING_GROUP)
    make_user("secretary1", Role.COMMITTEE_SECRETARY)
    make_user("leader1", Role.PROVINCIAL_LEADER)
    make_user("unit1", (Role.UNIT_STAFF, units["FGW"]))
    make_user("owner1", Role.PROCESS_OWNER)


def inputs_document(
    year: int, ratings: dict[str, str] | None = None, deductions: dict[str, str] | None = None
) -> dict[str, Any]:
    """Scoring inputs for the four units; `ratings` overrides the leaders' rating by code and
    `deductions` the P deductions (100 sinks a unit below 70)."""
    ratings, deductions = ratings or {}, deductions or {}
    units = []
    for code, _name, category, headcount, rating in UNITS:
        unit = worked_example_document(code)
        unit.update(category=category, headcount=headcount, leaders=[ratings.get(code, rating)])
        unit["deductions"] = deductions.get(code, unit["deductions"])
        units.append(unit)
    return {"year": year, "units": units}


def store(
    year: int,
    now: datetime,
    ratings: dict[str, str] | None = None,
    deductions: dict[str, str] | None = None,
) -> ScoreRun:
    """A new score version of `year`, committed."""
    inputs = parse_inputs(inputs_document(year, ratings, deductions))
    run = store_scores(db.session, SYSTEM, year, inputs, "年度计分", now=now)
    db.session.commit()
    return run


def finalize(run: ScoreRun, now: datetime) -> GradeNotice:
    """The run's grades made final as the last meeting's approval would, committed."""
    chain = [{"step": "省委常委会会议", "decision": "approve", "date": f"{run.year + 1}-03-20"}]
    notice = finalize_grades(
        db.session,
        SYSTEM,
        year=run.year,
        version=run.version,
        chain=chain,
        instance_id=None,
        now=now,
    )
    db.session.commit()
    return notice


def deploy_signoff(app: Flask, client: FlaskClient) -> None:
    """The shipped `signoff` diagram with the shipped forms."""
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    path = ROOT / "bpmn" / "signoff.bpmn"
    response = upload(client, bearer(client, "owner1"), (path.name, path.read_bytes()))
    assert response.status_code == 201, response.get_json()
