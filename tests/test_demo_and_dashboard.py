"""The demo province, dashboards by role, unit scoping, languages (issue 2 §6–§8)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.org.demo import ACCOUNTS, load_demo
from app.org.models import Category, UnitMembership
from tests.factories import make_unit, make_user, sign_in

DEMO_PASSWORD = "demo-pass-2026"
CONTRACT_ACCOUNTS = [
    "office1",
    "director1",
    "unit1",
    "head1",
    "expert1",
    "leader1",
    "group1",
    "dept1",
    "secretary1",
    "owner1",
    "supervisor1",
    "sysadmin1",
    "secadmin1",
    "auditor1",
]


@pytest.fixture
def demo(app: Flask) -> None:
    load_demo(db.session, password=DEMO_PASSWORD, now=utcnow())
    db.session.commit()


def test_demo_has_sixty_units_in_all_six_categories(demo: None) -> None:
    categories = Counter(db.session.execute(select(UnitMembership.category)).scalars())
    assert sum(categories.values()) >= 60
    assert set(categories) == set(Category)


def test_demo_load_is_idempotent(demo: None) -> None:
    users_before = db.session.execute(select(func.count(User.id))).scalar()
    summary = load_demo(db.session, password=DEMO_PASSWORD, now=utcnow())
    db.session.commit()
    assert (summary.units, summary.accounts) == (0, 0)
    assert db.session.execute(select(func.count(User.id))).scalar() == users_before


def test_demo_load_cli_only_when_empty(app: Flask) -> None:
    app.config["FORMS_DIR"] = str(Path(__file__).resolve().parent.parent / "forms")  # shipped
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "79 units" in first.output or "units and" in first.output
    assert "office1" in first.output
    second = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "not loaded" in second.output


@pytest.mark.parametrize("username", CONTRACT_ACCOUNTS)
def test_every_contract_account_signs_in_on_the_page_and_the_api(
    demo: None, client: FlaskClient, username: str
) -> None:
    assert sign_in(client, username, DEMO_PASSWORD).headers["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200


def test_demo_relations_follow_the_contract(demo: None) -> None:
    users = {u.username: u for u in db.session.execute(select(User)).scalars()}
    first = db.session.execute(
        select(UnitMembership).order_by(UnitMembership.id).limit(1)
    ).scalar_one()
    assert first.leader_id == users["leader1"].id
    assert {(g.role, g.unit_id) for g in users["unit1"].grants} == {
        (Role.UNIT_STAFF, first.unit_id)
    }
    assert {(g.role, g.unit_id) for g in users["head1"].grants} == {(Role.UNIT_HEAD, first.unit_id)}
    assert len(ACCOUNTS) >= 14


def test_unit_staff_see_their_own_unit_only(client: FlaskClient) -> None:
    mine = make_unit("MINE", name="本单位")
    make_unit("OTHER", name="他单位")
    make_user("unit1", (Role.UNIT_STAFF, mine))
    sign_in(client, "unit1")
    page = client.get("/").get_data(as_text=True)
    assert "本单位" in page and "他单位" not in page


def test_a_leader_sees_the_units_in_their_charge(client: FlaskClient) -> None:
    leader = make_user("leader1", Role.PROVINCIAL_LEADER)
    make_unit("LED", name="分管单位甲", leader=leader)
    make_unit("NOTLED", name="其他单位乙")
    sign_in(client, "leader1")
    page = client.get("/").get_data(as_text=True)
    assert "分管单位甲" in page and "其他单位乙" not in page


def test_office_dashboard_counts_units_by_category(client: FlaskClient) -> None:
    make_unit("A1", category="central")
    make_unit("A2", category="central")
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    page = client.get("/").get_data(as_text=True)
    assert "中央驻赣类" in page


def test_an_admin_dashboard_shows_no_business_panels(client: FlaskClient) -> None:
    make_unit("A1")
    make_user("sysadmin1", Role.SYSADMIN)
    sign_in(client, "sysadmin1")
    page = client.get("/").get_data(as_text=True)
    assert "/admin/users" in page and "我的待办" not in page


def test_pages_are_chinese_by_default_and_english_on_request(client: FlaskClient) -> None:
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.get("/language/en?next=/login")
    english = client.get("/login").get_data(as_text=True)
    assert "Sign in" in english and "登录" not in english


def test_the_office_finds_the_annual_work_under_one_menu(client: FlaskClient) -> None:
    """The office's links to the year's work are one drop-down menu, so the bar fits a screen."""
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    page = client.get("/").get_data(as_text=True)
    menu = page.split('class="nav-item dropdown"', 1)[1].split("</ul>", 1)[0]
    for path in ("/scores/", "/progress/proposals", "/surveys/"):
        assert f'href="{path}"' in menu
    assert "年度考核" in menu
