"""The lead units rate the indicator completion of the units responsible for the key tasks they
lead (SPEC §6): one sheet per lead unit, filled by its staff, scoped to those units; the
`evaluations` diagram gives each lead unit its task; L pools their ratings with the leading
group's (SPEC §8: 20 × the mean of the ratings / 100)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.db import utcnow
from app.errors import AccessDenied, NotFound
from app.evaluations.aggregates import leading_group_scores, year_evaluations
from app.evaluations.departments import ItemEntry, save_item
from app.evaluations.grid import GridEntry, grid_for, save_grid
from app.evaluations.models import DepartmentItem, RatingSheet, SheetKind
from app.evaluations.operations import finished_work
from app.extensions import db
from app.indicators.models import KeyTask, KeyTaskUnit
from app.org.models import Unit
from app.scoring.gather import gather_inputs
from tests.evaluations.conftest import YEAR
from tests.evaluations.test_procedure import confirm, deploy
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.indicators.drive import only_task
from tests.workflow.helpers import bearer, complete, inbox, instance, start

pytestmark = pytest.mark.usefixtures("province")


def _unit(code: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def _key_task(number: int, lead: str, responsible: tuple[str, ...]) -> None:
    task = KeyTask(
        year=YEAR,
        number=number,
        title=f"重点任务{number}",
        source="政府工作报告",
        lead_unit_id=_unit(lead).id,
    )
    db.session.add(task)
    db.session.flush()
    for code in responsible:
        db.session.add(KeyTaskUnit(key_task_id=task.id, unit_id=_unit(code).id))


@pytest.fixture
def lead_units(province: None) -> None:
    """CZT leads a key task of FGW and GXT; FGW leads one of JYT and itself (it does not rate
    itself); GXT leads nothing. Each has a staff account."""
    make_unit("CZT", category="economic")
    for code in ("CZT", "FGW", "GXT"):
        make_user(f"{code.lower()}1", (Role.UNIT_STAFF, _unit(code)))
    _key_task(1, "CZT", ("FGW", "GXT"))
    _key_task(2, "FGW", ("JYT", "FGW"))
    db.session.commit()


def _actor(username: str):  # type: ignore[no-untyped-def]
    return actor_for(db.session.execute(select(User).where(User.username == username)).scalar_one())


def _rate(
    username: str, unit: str | None, entries: dict[str, GridEntry], kind=SheetKind.LEAD_UNIT
) -> None:  # type: ignore[no-untyped-def]
    save_grid(
        db.session,
        actor=_actor(username),
        year=YEAR,
        kind=kind,
        entries=entries,
        submit=True,
        now=utcnow(),
        unit_code=unit,
    )
    db.session.commit()


@pytest.mark.usefixtures("lead_units")
def test_a_lead_units_grid_lists_only_the_units_it_leads() -> None:
    czt = grid_for(db.session, _actor("czt1"), YEAR, SheetKind.LEAD_UNIT)
    assert czt.rating_unit is not None and czt.rating_unit.code == "CZT"
    assert [m.unit.code for m in czt.units] == ["FGW", "GXT"]
    fgw = grid_for(db.session, _actor("fgw1"), YEAR, SheetKind.LEAD_UNIT, "FGW")
    assert [m.unit.code for m in fgw.units] == ["JYT"]
    with pytest.raises(AccessDenied):  # GXT leads nothing
        grid_for(db.session, _actor("gxt1"), YEAR, SheetKind.LEAD_UNIT)
    with pytest.raises(AccessDenied):  # not CZT's staff
        grid_for(db.session, _actor("czt1"), YEAR, SheetKind.LEAD_UNIT, "FGW")
    with pytest.raises(NotFound):
        grid_for(db.session, _actor("gxt1"), YEAR, SheetKind.LEAD_UNIT, "GXT")
    with pytest.raises(AccessDenied):  # a leading-group member is no unit's staff
        grid_for(db.session, _actor("group1"), YEAR, SheetKind.LEAD_UNIT)
    # a score for a unit CZT does not lead is not stored
    _rate(
        "czt1",
        None,
        {"FGW": GridEntry("70"), "GXT": GridEntry(abstain=True), "JYT": GridEntry("1")},
    )
    sheet = db.session.execute(
        select(RatingSheet).where(RatingSheet.kind == SheetKind.LEAD_UNIT)
    ).scalar_one()
    assert sheet.unit_id == _unit("CZT").id
    assert {m.unit_id for m in sheet.marks} == {_unit("FGW").id, _unit("GXT").id}


@pytest.mark.usefixtures("lead_units")
def test_l_pools_the_leading_group_and_the_lead_units_ratings() -> None:
    _rate(
        "group1",
        None,
        {
            "FGW": GridEntry("90"),
            "GXT": GridEntry("80"),
            "JYT": GridEntry("70"),
            "CZT": GridEntry("60"),
        },
        SheetKind.LEADING_GROUP,
    )
    _rate("czt1", "CZT", {"FGW": GridEntry("70"), "GXT": GridEntry(abstain=True)})
    _rate("fgw1", "FGW", {"JYT": GridEntry("50")})
    assert leading_group_scores(db.session, YEAR) == {
        "FGW": [Decimal("90"), Decimal("70")],
        "GXT": [Decimal("80")],
        "JYT": [Decimal("70"), Decimal("50")],
        "CZT": [Decimal("60")],
    }
    rows = {r.membership.unit.code: r for r in year_evaluations(db.session, YEAR)}
    assert rows["FGW"].group == Decimal(16)  # 20 × (90 + 70) / 2 / 100
    assert rows["GXT"].group == Decimal(16)  # the abstention is left out
    assert rows["JYT"].group == Decimal(12)
    assert (rows["FGW"].group_ratings, rows["FGW"].lead_unit_ratings) == (2, 1)
    assert (rows["GXT"].group_abstentions, rows["GXT"].lead_unit_abstentions) == (1, 1)
    inputs = {u["code"]: u for u in gather_inputs(db.session, YEAR)["units"]}
    assert inputs["JYT"]["leading_group"] == ["70.00", "50.00"]


@pytest.mark.usefixtures("lead_units")
@time_machine.travel(datetime(2027, 1, 4, 2, 0, tzinfo=UTC), tick=False)
def test_each_lead_unit_gets_its_task_and_the_year_closes_when_all_are_done(
    client: FlaskClient,
) -> None:
    deploy(client)
    office = bearer(client, "office1")
    started = start(client, office, "evaluations", data={"year": YEAR, "workdays": 5})
    assert "lead_unit_rating" in {t["spec_id"] for t in started["tasks"]}
    assert inbox(client, bearer(client, "gxt1")) == []  # GXT leads nothing
    task = only_task(client, bearer(client, "czt1"), "lead_unit_rating")
    assert task["data"]["work_key"] == "lead_unit:CZT"
    assert task["data"]["grid_link"] == f"/evaluations/{YEAR}/sheets/lead_unit?unit=CZT"
    assert task["due_at"].startswith("2027-01-11T23:59:59+08:00"), task["due_at"]
    assert confirm(client, "czt1", "lead_unit_rating")[1].status_code == 422  # not yet rated

    # CZT's staff submit on the page: that completes CZT's task
    sign_in(client, "czt1")
    csrf = page_csrf(client, f"/evaluations/{YEAR}/sheets/lead_unit?unit=CZT")
    page = client.get(f"/evaluations/{YEAR}/sheets/lead_unit?unit=CZT").get_data(as_text=True)
    assert 'id="score-FGW"' in page and 'id="score-JYT"' not in page
    response = client.post(
        f"/evaluations/{YEAR}/sheets/lead_unit?unit=CZT",
        data={"csrf_token": csrf, "score-FGW": "75", "abstain-GXT": "1", "action": "submit"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sheets/lead_unit?unit=CZT")
    assert [
        t for t in inbox(client, bearer(client, "czt1")) if t["spec_id"] == "lead_unit_rating"
    ] == []

    _rate("fgw1", "FGW", {"JYT": GridEntry("66")})
    assert confirm(client, "fgw1", "lead_unit_rating")[1].status_code == 200
    every_unit = {code: GridEntry("80") for code in ("FGW", "GXT", "JYT", "CZT")}
    for username in ("leader1", "leader2"):
        _rate(username, None, every_unit, SheetKind.LEADER)
        assert confirm(client, username, "leader_rating")[1].status_code == 200
    _rate("group1", None, every_unit, SheetKind.LEADING_GROUP)
    assert confirm(client, "group1", "group_rating")[1].status_code == 200
    save_item(
        db.session,
        actor=_actor("dept1"),
        year=YEAR,
        item=DepartmentItem.LEADERSHIP,
        entries={code: ItemEntry("12") for code in ("FGW", "GXT", "JYT", "CZT")},
        now=utcnow(),
    )
    db.session.commit()
    assert confirm(client, "dept1", "department_entry")[1].status_code == 200
    close = only_task(client, office, "survey_close")
    assert complete(client, office, close["id"], survey_decision="close").status_code == 200
    assert instance(client, office, started["id"])["status"] == "completed"


@pytest.mark.usefixtures("lead_units")
def test_a_lead_units_sheet_is_confirmed_by_any_of_its_staff_and_nobody_elses() -> None:
    """The confirm choice offers a person only their own finished work; a lead unit's sheet is
    the unit's, so a colleague of the staff member who submitted it may confirm it too."""
    colleague = make_user("fgw2", (Role.UNIT_STAFF, _unit("FGW")))
    db.session.commit()
    _rate("fgw1", "FGW", {"JYT": GridEntry("66")})
    every_unit = {code: GridEntry("80") for code in ("FGW", "GXT", "JYT", "CZT")}
    _rate("leader1", None, every_unit, SheetKind.LEADER)

    def offered(user_id: int) -> set[str]:
        return {key for key, _label in finished_work(db.session, YEAR, user_id)}

    fgw1 = _actor("fgw1").user_id
    assert "lead_unit:FGW" in offered(fgw1) and "lead_unit:FGW" in offered(colleague.id)
    assert "lead_unit:FGW" not in offered(_actor("gxt1").user_id)
    assert not any(key.startswith("leader:") for key in offered(colleague.id))
    assert any(key.startswith("leader:") for key in offered(_actor("leader1").user_id))
