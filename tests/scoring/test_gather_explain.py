"""The explain page (issue 13 §4): its links to the sources and the appeal trail inline; the
unit's own staff and head see it once their results were delivered, nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.delivery import record_delivery
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.extensions import db
from app.org.services import unit_by_code
from app.scoring.inputs import parse_inputs
from app.scoring.services import store_scores
from tests.factories import make_unit, make_user, sign_in
from tests.scoring.builders import worked_example_document

NOW = datetime(2027, 2, 20, 2, 0, tzinfo=UTC)


def _store(leaders: str, reason: str) -> None:
    office = actor_for(
        db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    )
    nyt = {**worked_example_document("NYT"), "leaders": [leaders]}
    inputs = parse_inputs({"year": 2026, "units": [worked_example_document("FGW"), nyt]})
    store_scores(db.session, office, 2026, inputs, reason, now=NOW)
    db.session.commit()


@pytest.fixture
def units(app: Any) -> None:
    fgw = make_unit("FGW", name="省发展改革委")
    nyt = make_unit("NYT", name="省农业农村厅")
    make_user("fgw_staff", (Role.UNIT_STAFF, fgw))
    make_user("fgw_head", (Role.UNIT_HEAD, fgw))
    make_user("nyt_staff", (Role.UNIT_STAFF, nyt))
    make_user("office1", Role.OFFICE_STAFF)
    _store("60", "年度计分")


def _deliver_to(code: str) -> None:

    unit = unit_by_code(db.session, code)
    record_delivery(
        db.session,
        Actor.system("test"),
        unit_id=unit.id,
        year=2026,
        delivered_at=NOW,
        instance_id=None,
    )
    db.session.commit()


@pytest.mark.usefixtures("units")
def test_a_unit_sees_its_own_page_once_delivered(client: FlaskClient) -> None:
    sign_in(client, "fgw_staff")
    assert client.get("/scores/2026/FGW").status_code == 403
    _deliver_to("FGW")
    _store("95", "申诉后重算")  # version 2, not delivered
    page = client.get("/scores/2026/FGW")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "省发展改革委" in html and "年度计分" in html and "申诉后重算" not in html
    assert client.get("/scores/2026/FGW?version=2").status_code == 403
    assert client.get("/scores/2026/NYT").status_code == 403
    assert client.get("/scores/2026").status_code == 403
    assert 'href="/verification/2026"' not in html  # office pages are not offered


@pytest.mark.usefixtures("units")
def test_the_units_head_sees_it_too(client: FlaskClient) -> None:
    _deliver_to("FGW")
    sign_in(client, "fgw_head")
    assert client.get("/scores/2026/FGW").status_code == 200


@pytest.mark.usefixtures("units")
def test_another_unit_never_sees_it(client: FlaskClient) -> None:
    _deliver_to("FGW")
    _deliver_to("NYT")
    sign_in(client, "nyt_staff")
    assert client.get("/scores/2026/FGW").status_code == 403
    assert client.get("/scores/2026/NYT").status_code == 200


@pytest.mark.usefixtures("units")
def test_the_office_sees_the_sources_and_the_trail(client: FlaskClient) -> None:
    sign_in(client, "office1")
    before = client.get("/scores/2026/FGW").get_data(as_text=True)
    assert "尚未" in before.split('data-testid="trail"', 1)[1]
    _deliver_to("FGW")
    html = client.get("/scores/2026/FGW").get_data(as_text=True)
    for link in (
        "/ratings/?year=2026",
        "/verification/2026",
        "/evaluations/2026",
        "/progress/proposals?year=2026",
        "/appeals/2026/FGW",
    ):
        assert f'href="{link}' in html, link
    trail = html.split('data-testid="trail"', 1)[1]
    assert 'data-testid="delivery"' in trail
