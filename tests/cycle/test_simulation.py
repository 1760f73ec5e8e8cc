"""A small province (two categories, eight units) through a whole year on the real engine,
scheduler and services, with simulated people; its final grades match an independent
computation from the inputs the people generated. Another year with the office's own date for
the monthly reporting: the reports start from that date."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from app.appeals.models import AppealDecision, AppealOutcome
from app.cycle.simulation.runner import Simulation
from app.extensions import db
from app.progress.models import ProgressReport
from app.scoring.models import ScoreRow
from app.signoff.models import FinalGrade, GradeNotice
from tests.cycle.conftest import ROOT
from tests.cycle.expected import expected_grades


def _finals() -> dict[str, str]:
    return {f.unit.code: f.grade.value for f in db.session.execute(select(FinalGrade)).scalars()}


def _reported_periods() -> set[str]:
    return set(db.session.execute(select(ProgressReport.period)).scalars())


def _upheld() -> list[AppealDecision]:
    return list(
        db.session.execute(
            select(AppealDecision).where(AppealDecision.outcome == AppealOutcome.UPHELD)
        ).scalars()
    )


def test_a_province_year_ends_with_the_grades_its_inputs_give(app: Flask) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    simulation = Simulation(
        db.session, units=8, ratings=400, seed=7, secret_key=app.config["SECRET_KEY"]
    )
    summary = simulation.run()

    assert summary["errors"] == []
    assert summary["instances_by_status"] == {"completed": summary["instances"]}
    assert set(summary["grades"]) == {"economic", "law_enforcement"}
    assert _reported_periods() == {f"2026-{month:02d}" for month in range(1, 13)}
    assert summary["late_reports"] > 0
    assert summary["appeals"]["filed"] > 0
    assert summary["appeals"]["late"] > 0  # signed after the window: closed by its timer
    assert summary["appeals"]["by_state"]["upheld"] == 1
    [upheld] = _upheld()  # the corrected input was scored as a new version
    assert upheld.version_after == upheld.version_before + 1
    assert [change["input"] for change in upheld.changes] == ["departmental.leadership"]
    assert summary["instances_by_process"]["rectification"] >= 3  # the bad public reviews
    assert set(summary["seconds_per_phase"]) >= {"indicator_setting", "scoring", "signoff"}
    notice = db.session.execute(select(GradeNotice)).scalar_one()
    returned = [step for step in notice.approval_chain if step.get("decision") == "return"]
    assert returned, "the leading group returned the proposal once"
    deducted = db.session.execute(select(ScoreRow.p).where(ScoreRow.p != "100")).scalars().all()
    assert deducted, "the late reports' deductions, approved by the director, count in P"
    assert simulation.province is not None
    assert simulation.province.truth.upheld, "the expected grades use the corrected input"
    assert _finals() == expected_grades(simulation.province.truth)


def test_another_year_reports_from_the_date_the_office_set(app: Flask) -> None:
    """2027, with monthly reporting set to open on 15 October: September's reports start then,
    the diagram's timer starts October's to December's on the first of the next month."""
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    simulation = Simulation(
        db.session,
        units=4,
        ratings=40,
        seed=11,
        secret_key=app.config["SECRET_KEY"],
        year=2027,
        phase_dates={"reporting": date(2027, 10, 15)},
    )
    summary = simulation.run()

    assert summary["errors"] == []
    assert summary["instances_by_status"] == {"completed": summary["instances"]}
    assert summary["instances_by_process"]["progress_reporting"] == 4 * 4
    assert _reported_periods() == {"2027-09", "2027-10", "2027-11", "2027-12"}
    assert summary["appeals"]["by_state"]["upheld"] == 1
    assert simulation.province is not None
    assert sum(len(grades) for grades in summary["grades"].values()) > 0
    assert _finals() == expected_grades(simulation.province.truth)
    assert set(_finals()) == {"U001", "U002", "U003", "U004"}
