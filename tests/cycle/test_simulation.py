"""A small province (two categories, eight units) through a whole year on the real engine,
scheduler and services, with simulated people; its final grades match an independent
computation from the inputs the people generated."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.cycle.simulation.runner import Simulation
from app.extensions import db
from app.scoring.models import ScoreRow
from app.signoff.models import FinalGrade, GradeNotice
from tests.cycle.conftest import ROOT
from tests.cycle.expected import expected_grades


def test_a_province_year_ends_with_the_grades_its_inputs_give(app: Flask) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    simulation = Simulation(
        db.session, units=8, ratings=400, seed=7, secret_key=app.config["SECRET_KEY"]
    )
    summary = simulation.run()

    assert summary["errors"] == []
    assert summary["instances_by_status"] == {"completed": summary["instances"]}
    assert set(summary["grades"]) == {"economic", "law_enforcement"}
    assert summary["late_reports"] > 0
    assert summary["appeals"]["filed"] > 0
    assert summary["appeals"]["late"] > 0  # signed after the window: closed by its timer
    assert summary["instances_by_process"]["rectification"] >= 3  # the bad public reviews
    assert set(summary["seconds_per_phase"]) >= {"indicator_setting", "scoring", "signoff"}
    notice = db.session.execute(select(GradeNotice)).scalar_one()
    returned = [step for step in notice.approval_chain if step.get("decision") == "return"]
    assert returned, "the leading group returned the proposal once"
    deducted = db.session.execute(select(ScoreRow.p).where(ScoreRow.p != "100")).scalars().all()
    assert deducted, "the late reports' deductions, approved by the director, count in P"
    finals = {f.unit.code: f.grade.value for f in db.session.execute(select(FinalGrade)).scalars()}
    assert simulation.province is not None
    assert finals == expected_grades(simulation.province.truth)
