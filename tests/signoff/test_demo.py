"""`demo load` shows the end of a year too: 2025 scored, its grades made final by the two
meetings and the notice published, so the portal and the use of results have content."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.scoring.demo import FINISHED_YEAR
from app.scoring.services import latest_run
from app.signoff.models import FinalGrade
from app.signoff.services import published_notice
from tests.factories import PASSWORD, sign_in

ROOT = Path(__file__).resolve().parents[2]
IN_2026 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_the_finished_demo_year_is_final_with_its_notice_published(
    app: Flask, client: FlaskClient
) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    app.config["DEMO_PASSWORD"] = PASSWORD
    runner = app.test_cli_runner()
    with time_machine.travel(IN_2026, tick=True):
        first = runner.invoke(args=["demo", "load"])
        assert first.exit_code == 0, first.output
        assert "grades final and the notice published" in first.output
        again = runner.invoke(args=["demo", "load"])
        assert again.exit_code == 0, again.output

    notice = published_notice(db.session, FINISHED_YEAR)
    assert notice is not None
    run = latest_run(db.session, FINISHED_YEAR)
    assert notice.score_run_id == run.id
    assert notice.approved_by == "省委常委会会议"
    assert notice.approved_on == date(FINISHED_YEAR + 1, 3, 20)
    assert [step["step"] for step in notice.approval_chain] == [
        "省绩效办报送",
        "省绩效管理工作领导小组审议",
        "省政府常务会议",
        "省委常委会会议",
    ]
    grades = {g.unit_id: g.grade for g in notice.grades}
    assert grades == {row.unit_id: row.proposed_grade for row in run.rows}
    assert db.session.execute(select(func.count(FinalGrade.id))).scalar() == len(run.rows)
    assert (
        db.session.execute(
            select(func.count()).where(AuditEntry.action == "signoff.grades_final")
        ).scalar()
        == 1
    )

    portal = client.get(f"/portal/results/{FINISHED_YEAR}").get_data(as_text=True)
    assert "优秀" in portal and "江西省发展和改革委员会" in portal
    assert client.get(f"/portal/results/{FINISHED_YEAR}/notice.pdf").data.startswith(b"%PDF")
    sign_in(client, "office1")
    results = client.get(f"/results/{FINISHED_YEAR}").get_data(as_text=True)
    assert results.count("<tr") > len(run.rows)
