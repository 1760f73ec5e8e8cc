"""Leader, L and Dept per unit (SPEC §8) from submitted sheets and entered items only, with the
counts behind each, as the office sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.services import actor_for
from app.db import utcnow
from app.evaluations.aggregates import (
    departmental,
    leader_scores,
    leading_group_scores,
    year_evaluations,
)
from app.evaluations.departments import ItemEntry, assign_item, save_item
from app.evaluations.grid import GridEntry, save_grid
from app.evaluations.models import DepartmentItem, SheetKind
from app.extensions import db
from tests.evaluations.conftest import YEAR
from tests.factories import sign_in

pytestmark = pytest.mark.usefixtures("province")


def actor(username: str) -> Actor:
    return actor_for(db.session.execute(select(User).where(User.username == username)).scalar_one())


def sheet(username: str, kind: SheetKind, submit: bool, **scores: str) -> None:
    entries = {
        code: GridEntry(abstain=True) if value == "abstain" else GridEntry(value)
        for code, value in scores.items()
    }
    save_grid(
        db.session,
        actor=actor(username),
        year=YEAR,
        kind=kind,
        entries=entries,
        submit=submit,
        now=utcnow(),
    )


@pytest.fixture
def inputs(province: None) -> None:
    sheet("leader1", SheetKind.LEADER, True, FGW="90", GXT="80", JYT="abstain")
    sheet("leader2", SheetKind.LEADER, True, FGW="85", GXT="abstain", JYT="abstain")
    sheet("group1", SheetKind.LEADING_GROUP, False, FGW="10")  # a draft: not counted
    office = actor("office1")
    assign_item(
        db.session, actor=office, item=DepartmentItem.ENERGY, username="dept2", now=utcnow()
    )
    save_item(
        db.session,
        actor=actor("dept1"),
        year=YEAR,
        item=DepartmentItem.LEADERSHIP,
        entries={"FGW": ItemEntry("14"), "GXT": ItemEntry(not_taking_part=True)},
        now=utcnow(),
    )
    save_item(
        db.session,
        actor=actor("dept2"),
        year=YEAR,
        item=DepartmentItem.ENERGY,
        entries={"FGW": ItemEntry("9"), "GXT": ItemEntry("7.5")},
        now=utcnow(),
    )
    db.session.commit()


@pytest.mark.usefixtures("inputs")
def test_scores_come_from_submitted_sheets_without_abstentions() -> None:
    assert leader_scores(db.session, YEAR) == {
        "FGW": [Decimal("90"), Decimal("85")],
        "GXT": [Decimal("80")],
    }
    assert leading_group_scores(db.session, YEAR) == {}
    assert departmental(db.session, YEAR) == {
        "FGW": {
            "leadership": (Decimal("14"), Decimal("15")),
            "energy": (Decimal("9"), Decimal("10")),
        },
        "GXT": {"energy": (Decimal("7.5"), Decimal("10"))},
    }


@pytest.mark.usefixtures("inputs")
def test_each_unit_gets_leader_l_and_dept_with_their_counts(client: FlaskClient) -> None:
    rows = {r.membership.unit.code: r for r in year_evaluations(db.session, YEAR)}
    fgw, gxt, jyt = rows["FGW"], rows["GXT"], rows["JYT"]
    assert fgw.leader == Decimal("17.5")  # 20 × 87.5 / 100
    assert (fgw.leader_ratings, fgw.leader_abstentions) == (2, 0)
    assert (gxt.leader, gxt.leader_ratings, gxt.leader_abstentions) == (Decimal(16), 1, 1)
    assert (jyt.leader, jyt.leader_ratings, jyt.leader_abstentions) == (None, 0, 2)
    assert fgw.group is None and fgw.group_ratings == 0
    assert fgw.dept == Decimal(50) * 23 / 25
    assert (gxt.dept, gxt.dept_items, gxt.dept_items_skipped) == (Decimal("37.5"), 1, 1)
    assert jyt.dept is None and jyt.dept_items == 0

    sign_in(client, "office1")
    page = client.get(f"/evaluations/{YEAR}").get_data(as_text=True)
    fgw_row = page.split('data-unit="FGW"')[1].split("</tr>")[0]
    assert "17.50" in fgw_row and "46.00" in fgw_row and "2 / 0" in fgw_row
