"""`demo load` shows the end of a year too: 2024 scored, its grades made final by the two
meetings and the notice published, so the portal and the use of results have content; 2025
scored and its results delivered, so the demo accounts can appeal and then sign the year off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.scoring.demo import FINAL_YEAR, FINISHED_YEAR
from app.scoring.services import latest_run
from app.signoff.models import FinalGrade
from app.signoff.services import published_notice
from tests.appeals.drive import file_appeal, review, sign
from tests.factories import PASSWORD, sign_in
from tests.indicators.drive import only_task, work
from tests.workflow.helpers import bearer, instance, start

ROOT = Path(__file__).resolve().parents[2]
IN_2026 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def demo(app: Flask) -> Iterator[None]:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    app.config["DEMO_PASSWORD"] = PASSWORD
    runner = app.test_cli_runner()
    with time_machine.travel(IN_2026, tick=True):
        first = runner.invoke(args=["demo", "load"])
        assert first.exit_code == 0, first.output
        assert f"Demo {FINAL_YEAR}: 79 units scored, grades final" in first.output
        assert (
            f"Demo {FINISHED_YEAR}: 79 units scored, results delivered to 79 units" in first.output
        )
        again = runner.invoke(args=["demo", "load"])
        assert again.exit_code == 0, again.output
        assert "results delivered to 0 units" in again.output
        yield


@pytest.mark.usefixtures("demo")
def test_the_final_demo_year_has_its_notice_published(client: FlaskClient) -> None:

    notice = published_notice(db.session, FINAL_YEAR)
    assert notice is not None
    run = latest_run(db.session, FINAL_YEAR)
    assert notice.score_run_id == run.id
    assert notice.approved_by == "省委常委会会议"
    assert notice.approved_on == date(FINAL_YEAR + 1, 3, 20)
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

    portal = client.get(f"/portal/results/{FINAL_YEAR}").get_data(as_text=True)
    assert "优秀" in portal and "江西省发展和改革委员会" in portal
    assert client.get(f"/portal/results/{FINAL_YEAR}/notice.pdf").data.startswith(b"%PDF")
    sign_in(client, "office1")
    results = client.get(f"/results/{FINAL_YEAR}").get_data(as_text=True)
    assert results.count("<tr") > len(run.rows)


@pytest.mark.usefixtures("demo")
def test_the_demo_accounts_appeal_the_delivered_year_and_start_its_sign_off(
    client: FlaskClient,
) -> None:
    with time_machine.travel(IN_2026, tick=True):
        file_appeal(client, "unit1")
        sign(client, "head1")
        task = review(
            client,
            office_decision="upheld",
            reply="经复核，第1项指标已全部完成。",
            corrected={"indicators[0].completion": "1"},
        )
        reply = work(client, "unit1", "read_reply", acknowledged=True)
        assert reply["data"]["changed_inputs"][0]["new"] == "1"
        office = bearer(client, "office1")
        assert instance(client, office, task["instance_id"])["status"] == "completed"
        assert latest_run(db.session, FINISHED_YEAR).version == 2  # the correction, scored

        started = start(client, office, "signoff", data={"year": FINISHED_YEAR})
        proposal = only_task(client, office, "office_proposal")
        assert proposal["instance_id"] == started["id"]
    assert published_notice(db.session, FINISHED_YEAR) is None
