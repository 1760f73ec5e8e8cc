"""Scoring inputs gathered from the records (issue 13): the document, P caps, a missing input
named, the compute command and button, and the finished demo year reproduced by what-if."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.roles import Role
from app.evaluations.models import DepartmentItem, SheetKind
from app.evaluations.ratings.models import Level
from app.extensions import db
from app.org.models import Unit
from app.progress.proposals import p_scores
from app.scoring.demo import (
    add_confirmed_proposal,
    add_daily_ratings,
    add_department_score,
    add_indicator,
    add_sheet,
    add_survey,
)
from app.scoring.gather import gather_inputs
from app.scoring.models import ScoreRun
from app.scoring.services import run_of, run_table
from tests.factories import make_unit, make_user, page_csrf, sign_in

NOW = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)
YEAR = 2026


def seed_year(*, verify_nyt: bool = True) -> tuple[Unit, Unit]:
    fgw = make_unit("FGW", name="省发展改革委", headcount=260)
    nyt = make_unit("NYT", name="省农业农村厅", category="social_service", headcount=120)
    leader = make_user("leader1", Role.PROVINCIAL_LEADER)
    group = make_user("group1", Role.LEADING_GROUP)
    s = db.session
    add_indicator(
        s, year=YEAR, unit_id=fgw.id, weight=Decimal(30), completion=Decimal("0.9"), now=NOW
    )
    add_indicator(
        s, year=YEAR, unit_id=fgw.id, weight=Decimal(20), completion=None, now=NOW, cancelled=True
    )
    add_indicator(
        s,
        year=YEAR,
        unit_id=nyt.id,
        weight=Decimal(50),
        completion=Decimal("0.8") if verify_nyt else None,
        now=NOW,
    )
    add_sheet(
        s,
        year=YEAR,
        kind=SheetKind.LEADER,
        rater_id=leader.id,
        scores={fgw.id: Decimal(90), nyt.id: None},
        now=NOW,
    )
    add_sheet(
        s,
        year=YEAR,
        kind=SheetKind.LEADING_GROUP,
        rater_id=group.id,
        scores={fgw.id: Decimal(85), nyt.id: Decimal(80)},
        now=NOW,
    )
    add_sheet(
        s,
        year=YEAR,
        kind=SheetKind.LEADER,
        rater_id=group.id,
        scores={nyt.id: Decimal(70)},
        now=NOW,
    )
    add_department_score(
        s, year=YEAR, item=DepartmentItem.LEADERSHIP, unit_id=fgw.id, actual=Decimal(14)
    )
    add_department_score(
        s, year=YEAR, item=DepartmentItem.BUDGET, unit_id=nyt.id, actual=Decimal(4)
    )
    add_daily_ratings(
        s, year=YEAR, unit_id=fgw.id, counts={Level.VERY_SATISFIED: 3, Level.SATISFIED: 1}, now=NOW
    )
    add_survey(s, year=YEAR, answers={fgw.id: [5, 4, None], nyt.id: [3, 3, 2]}, now=NOW)
    add_confirmed_proposal(
        s, year=YEAR, unit_id=nyt.id, rule="late_report", points=Decimal("-0.5"), now=NOW
    )
    db.session.commit()
    return fgw, nyt


def zeros(**counts: int) -> dict[str, int]:
    levels = {"非常满意": 0, "满意": 0, "基本满意": 0, "不满意": 0, "非常不满意": 0}
    return {**levels, **counts}


def test_gather_reads_every_input_from_the_records(app: Any) -> None:
    seed_year()
    assert gather_inputs(db.session, YEAR) == {
        "year": YEAR,
        "quota_rounding": "floor",
        "units": [
            {
                "code": "FGW",
                "category": "economic",
                "headcount": 260,
                "indicators": [
                    {"weight": "30.00", "completion": "0.9000", "cancelled": False},
                    {"weight": "20.00", "completion": "0", "cancelled": True},
                ],
                "leading_group": ["85.00"],
                "deductions": "0",
                "bonuses": "0",
                "leaders": ["90.00"],
                "daily": zeros(非常满意=3, 满意=1),
                "yearend": zeros(非常满意=1, 满意=1),
                "departmental": {"leadership": ["14.00", "15"]},
                "disqualified": False,
            },
            {
                "code": "NYT",
                "category": "social_service",
                "headcount": 120,
                "indicators": [{"weight": "50.00", "completion": "0.8000", "cancelled": False}],
                "leading_group": ["80.00"],
                "deductions": "0.50",
                "bonuses": "0",
                "leaders": ["70.00"],
                "daily": zeros(),
                "yearend": zeros(基本满意=2, 不满意=1),
                "departmental": {"budget": ["4.00", "5"]},
                "disqualified": False,
            },
        ],
    }


def test_a_weighted_survey_gives_y_directly(app: Any) -> None:
    fgw = make_unit("FGW")
    add_survey(db.session, year=YEAR, answers={fgw.id: [5, 4]}, now=NOW, weight=Decimal(1))
    (unit,) = gather_inputs(db.session, YEAR)["units"]
    assert unit["Y"] == "87.5"
    assert "yearend" not in unit


def test_deductions_follow_each_rules_cap_as_p_does(app: Any) -> None:
    fgw = make_unit("FGW")
    for _n in range(12):  # 12 × −0.5 = −6, capped at 5
        add_confirmed_proposal(
            db.session,
            year=YEAR,
            unit_id=fgw.id,
            rule="late_report",
            points=Decimal("-0.5"),
            now=NOW,
        )
    add_confirmed_proposal(
        db.session, year=YEAR, unit_id=fgw.id, rule="overdue_task", points=Decimal("-0.2"), now=NOW
    )
    (unit,) = gather_inputs(db.session, YEAR)["units"]
    assert Decimal(unit["deductions"]) == Decimal("5.2")
    assert Decimal(unit["bonuses"]) == 0
    p = p_scores(db.session, YEAR, [fgw.id])[fgw.id]
    assert 100 - Decimal(unit["deductions"]) + Decimal(unit["bonuses"]) == p


def test_missing_inputs_are_left_out_and_compute_names_the_unit(app: Any, runner: Any) -> None:
    seed_year(verify_nyt=False)
    make_unit("KJT", category="social_service")  # nothing recorded at all
    units = {u["code"]: u for u in gather_inputs(db.session, YEAR)["units"]}
    assert units["NYT"]["indicators"] == [{"weight": "50.00", "cancelled": False}]
    assert {"indicators", "leaders", "leading_group", "yearend", "departmental"}.isdisjoint(
        units["KJT"]
    )
    result = runner.invoke(args=["scores", "compute", str(YEAR), "--reason", "年度计分"])
    assert result.exit_code == 1
    assert "NYT" in result.output and "indicators[0].completion" in result.output
    assert "KJT" in result.output and "leaders" in result.output
    assert db.session.execute(select(func.count()).select_from(ScoreRun)).scalar() == 0


def test_compute_stores_a_version_prints_the_table_and_writes_the_workbook(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    seed_year()
    book = tmp_path / "scores.xlsx"
    result = runner.invoke(
        args=["scores", "compute", str(YEAR), "--xlsx", str(book), "--reason", "年度计分"]
    )
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    assert table["version"] == 1
    assert [u["code"] for u in table["units"]] == ["FGW", "NYT"]
    run = db.session.execute(select(ScoreRun)).scalar_one()
    assert run.reason == "年度计分"
    assert run.inputs == json.loads(json.dumps(run.inputs))
    assert book.read_bytes()[:2] == b"PK"
    again = runner.invoke(args=["scores", "compute", str(YEAR)])
    assert json.loads(again.output)["version"] == 2


def test_the_scores_page_shows_what_is_missing(app: Any, client: FlaskClient) -> None:
    seed_year(verify_nyt=False)
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    assert "计算得分" in client.get("/scores/").get_data(as_text=True)
    csrf = page_csrf(client, "/scores/")
    refused = client.post(
        "/scores/compute", data={"csrf_token": csrf, "year": YEAR, "reason": "年度计分"}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "NYT" in page and "indicators[0].completion" in page
    assert "年度计分" in page  # nothing typed is lost
    assert db.session.execute(select(func.count()).select_from(ScoreRun)).scalar() == 0


def test_the_office_computes_from_the_scores_page(app: Any, client: FlaskClient) -> None:
    seed_year()
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    csrf = page_csrf(client, "/scores/")
    done = client.post(
        "/scores/compute", data={"csrf_token": csrf, "year": YEAR, "reason": "年度计分"}
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/scores/{YEAR}")
    run = db.session.execute(select(ScoreRun)).scalar_one()
    assert (run.version, run.reason, run.computed_by_name) == (1, "年度计分", "office1")


def test_only_the_office_computes(app: Any, client: FlaskClient) -> None:
    seed_year()
    make_user("leader9", Role.PROVINCIAL_LEADER)
    sign_in(client, "leader9")
    assert "计算得分" not in client.get("/scores/").get_data(as_text=True)
    csrf = page_csrf(client, "/scores/")
    refused = client.post("/scores/compute", data={"csrf_token": csrf, "year": YEAR, "reason": "x"})
    assert refused.status_code == 403
    assert db.session.execute(select(func.count()).select_from(ScoreRun)).scalar() == 0


def test_the_finished_demo_year_is_reproduced_by_what_if(
    app: Flask, runner: Any, tmp_path: Path
) -> None:
    app.config["FORMS_DIR"] = str(Path(__file__).resolve().parents[2] / "forms")
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    inputs = runner.invoke(args=["scores", "inputs", "2025"])
    assert inputs.exit_code == 0, inputs.output
    path = tmp_path / "inputs-2025.json"
    path.write_text(inputs.output, encoding="utf-8")
    tried = runner.invoke(args=["scores", "what-if", str(path)])
    assert tried.exit_code == 0, tried.output
    stored = run_table(run_of(db.session, 2025))
    assert stored["version"] == 1
    assert len(stored["units"]) > 10
    by_code = sorted(json.loads(tried.output)["units"], key=lambda u: u["code"])
    assert by_code == sorted(stored["units"], key=lambda u: u["code"])
    assert any(u["grade"] == "优秀" for u in stored["units"])
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert run_of(db.session, 2025).version == 1
