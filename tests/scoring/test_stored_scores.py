"""Stored score versions (store_scores) and GET /api/v1/years/<year>/scores, on both databases."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.auth.services import actor_for
from app.errors import AccessDenied, InvalidInput, NotFound
from app.extensions import db
from app.org.services import unit_by_code
from app.scoring.inputs import ScoringInputs, parse_inputs
from app.scoring.models import ScoreRun
from app.scoring.services import latest_run, store_scores, stored_table
from tests.factories import SYSTEM, api_token, make_unit, make_user
from tests.scoring.builders import worked_example_document

NOW = datetime(2027, 2, 20, 2, 0, tzinfo=UTC)


def inputs(leaders_of_nyt: str = "60") -> ScoringInputs:
    nyt = {**worked_example_document("NYT"), "leaders": [leaders_of_nyt], "headcount": 120}
    fgw = worked_example_document("FGW")
    return parse_inputs({"year": 2026, "units": [nyt, fgw]})


@pytest.fixture
def units(app: Flask) -> None:
    make_unit("FGW", name="省发展改革委", headcount=260)
    make_unit("NYT", name="省农业农村厅", headcount=120)


def headers(client: FlaskClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


@pytest.mark.usefixtures("units")
def test_storing_keeps_every_component_unrounded_with_grade_and_audit() -> None:
    office = make_user("office", Role.OFFICE_STAFF)
    run = store_scores(db.session, actor_for(office), 2026, inputs(), "年度计分", now=NOW)
    db.session.commit()
    stored = latest_run(db.session, 2026)
    assert stored.id == run.id
    assert (stored.version, stored.computed_at, stored.computed_by_id) == (1, NOW, office.id)
    assert parse_inputs(stored.inputs) == inputs()
    fgw = next(row for row in stored.rows if row.unit.code == "FGW")
    assert Decimal(fgw.t) == (Decimal(54) + Decimal(38)) * Decimal("0.6") + Decimal(
        "0.4"
    ) * Decimal(fgw.e)
    assert fgw.dept.startswith("46.666666")
    assert (fgw.k, fgw.l, fgw.d, fgw.y) == ("72.0", "18", "80", "90")
    assert (fgw.rank, fgw.proposed_grade.value, fgw.excellent_places) == (1, "良好", 46)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "scores.store")
    ).scalar_one()
    assert entry.actor_name == "office"
    assert entry.object_id == str(run.id)
    assert entry.after["version"] == 1
    assert entry.after["grades"] == {"FGW": "良好", "NYT": "合格"}


@pytest.mark.usefixtures("units")
def test_recomputing_makes_a_new_version_and_keeps_the_old_one() -> None:
    store_scores(db.session, SYSTEM, 2026, inputs("60"), "年度计分", now=NOW)
    store_scores(db.session, SYSTEM, 2026, inputs("100"), "申诉复核后重算", now=NOW)
    db.session.commit()
    runs = db.session.execute(select(ScoreRun).order_by(ScoreRun.version)).scalars().all()
    audited = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "scores.store").order_by(AuditEntry.seq)
    ).scalars()
    assert [(e.before, e.after["version"]) for e in audited] == [(None, 1), ({"version": 1}, 2)]
    assert [(r.version, r.reason) for r in runs] == [(1, "年度计分"), (2, "申诉复核后重算")]
    assert {row.unit.code: row.proposed_grade.value for row in runs[0].rows}["NYT"] == "合格"
    assert {row.unit.code: row.proposed_grade.value for row in runs[1].rows}["NYT"] == "良好"


@pytest.mark.usefixtures("units")
def test_inputs_that_do_not_fit_the_year_are_refused() -> None:
    with pytest.raises(InvalidInput, match="2025"):
        store_scores(db.session, SYSTEM, 2025, inputs(), "x", now=NOW)
    with pytest.raises(NotFound):
        store_scores(db.session, SYSTEM, 2030, replace(inputs(), year=2030), "x", now=NOW)
    unknown = replace(inputs(), units=(*inputs().units, replace(inputs().units[0], code="XXX")))
    with pytest.raises(InvalidInput, match="XXX"):
        store_scores(db.session, SYSTEM, 2026, unknown, "x", now=NOW)
    with pytest.raises(InvalidInput):
        store_scores(db.session, SYSTEM, 2026, inputs(), "  ", now=NOW)
    assert db.session.execute(select(ScoreRun)).first() is None


@pytest.mark.usefixtures("units")
def test_the_api_serves_the_latest_version_in_contract_shape(client: FlaskClient) -> None:
    make_user("office", Role.OFFICE_STAFF)
    store_scores(db.session, SYSTEM, 2026, inputs("60"), "年度计分", now=NOW)
    store_scores(db.session, SYSTEM, 2026, inputs("100"), "重算", now=NOW)
    db.session.commit()
    response = client.get("/api/v1/years/2026/scores", headers=headers(client, "office"))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["year"], body["version"]) == (2026, 2)
    assert body["units"] == [
        {
            "code": "NYT",
            "name": "省农业农村厅",
            "category": "economic",
            "I": "90.00",
            "P": "95.00",
            "E": "92.47",
            "T": "92.19",
            "rank": 1,
            "grade": "良好",
            "flags": [],
            "excellent_places": 21,
        },
        {
            "code": "FGW",
            "name": "省发展改革委",
            "category": "economic",
            "I": "90.00",
            "P": "95.00",
            "E": "90.47",
            "T": "91.39",
            "rank": 2,
            "grade": "合格",
            "flags": [],
            "excellent_places": 39,
        },
    ]


def test_what_if_and_the_stored_table_agree(units: None, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "inputs.json"
    store_scores(db.session, SYSTEM, 2026, inputs(), "年度计分", now=NOW)
    db.session.commit()
    stored = latest_run(db.session, 2026).inputs
    path.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    what_if = json.loads(runner.invoke(args=["scores", "what-if", str(path)]).output)
    office = make_user("office", Role.OFFICE_STAFF)
    table = stored_table(db.session, actor_for(office), 2026)
    assert what_if["units"] == table["units"]


@pytest.mark.usefixtures("units")
def test_a_year_without_scores_is_a_json_404(client: FlaskClient) -> None:
    make_user("office", Role.OFFICE_STAFF)
    response = client.get("/api/v1/years/2026/scores", headers=headers(client, "office"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OFFICE_DIRECTOR, 200),
        (Role.PROVINCIAL_LEADER, 200),
        (Role.LEADING_GROUP, 200),
        (Role.SUPERVISOR, 200),
        (Role.COMMITTEE_SECRETARY, 200),
        (Role.EXPERT, 403),
        (Role.DEPT_ASSESSOR, 403),
        (Role.PROCESS_OWNER, 403),
        (Role.SYSADMIN, 403),
        (Role.AUDITOR, 403),
    ],
)
@pytest.mark.usefixtures("units")
def test_who_may_read_the_scores(client: FlaskClient, role: Role, status: int) -> None:
    store_scores(db.session, SYSTEM, 2026, inputs(), "年度计分", now=NOW)
    make_user("reader", role)
    response = client.get("/api/v1/years/2026/scores", headers=headers(client, "reader"))
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.usefixtures("units")
def test_unit_staff_may_not_read_the_whole_table(client: FlaskClient) -> None:
    store_scores(db.session, SYSTEM, 2026, inputs(), "年度计分", now=NOW)
    make_user("clerk", (Role.UNIT_STAFF, unit_by_code(db.session, "FGW")))
    response = client.get("/api/v1/years/2026/scores", headers=headers(client, "clerk"))
    assert response.status_code == 403
    assert client.get("/api/v1/years/2026/scores").status_code == 401
    with pytest.raises(AccessDenied):
        stored_table(db.session, SYSTEM, 2026)
