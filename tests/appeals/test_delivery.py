"""Delivering a year's results to every unit: the service, the office's page, the unit's trail
page and the demo."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.delivery import deliver_results
from app.appeals.demo import load_appeal_demo
from app.appeals.models import ResultDelivery
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.workdays import SHANGHAI
from app.errors import AccessDenied, Conflict
from app.extensions import db
from app.scoring.inputs import parse_inputs
from app.scoring.services import store_scores
from app.signoff.services import finalize_grades
from app.workflow.models import ProcessInstance
from tests.appeals.conftest import inputs_document
from tests.appeals.drive import file_appeal, review, sign
from tests.factories import SYSTEM, make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, inbox

NOW = datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parent.parent.parent


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _deliveries() -> list[tuple[str, int]]:
    db.session.expire_all()
    rows = db.session.execute(select(ResultDelivery).order_by(ResultDelivery.id)).scalars()
    found = [(d.unit.code, d.score_version) for d in rows]
    db.session.commit()
    return found


def test_delivery_starts_one_appeal_per_unit_and_skips_units_already_given_the_version(
    province: FlaskClient,
) -> None:
    office = actor_for(_user("office1"))
    with time_machine.travel(NOW, tick=False):
        report = deliver_results(db.session, office, 2026, NOW)
        db.session.commit()
    assert report.version == 1
    assert [code for code, _id in report.started] == ["FGW", "GXT", "NYT"]
    instances = {i.id: i for i in db.session.execute(select(ProcessInstance)).scalars()}
    for code, instance_id in report.started:
        started = instances[instance_id]
        assert started.process_key == "appeal" and started.data["year"] == 2026
        assert started.data["unit_code"] == code
        assert datetime.fromisoformat(started.data["delivered_at"]) == NOW
    assert [t["spec_id"] for t in inbox(province, bearer(province, "unit1"))] == ["respond"]

    again = deliver_results(db.session, office, 2026, NOW)
    assert (again.started, again.already_delivered) == ([], ["FGW", "GXT", "NYT"])

    store_scores(db.session, SYSTEM, 2026, parse_inputs(inputs_document()), "重算", now=NOW)
    newer = deliver_results(db.session, office, 2026, NOW)
    db.session.commit()
    assert newer.version == 2 and len(newer.started) == 3
    assert sorted(_deliveries()) == sorted(
        [(c, 1) for c in ("FGW", "GXT", "NYT")] + [(c, 2) for c in ("FGW", "GXT", "NYT")]
    )


def test_units_may_not_deliver_results(province: FlaskClient) -> None:
    with pytest.raises(AccessDenied):
        deliver_results(db.session, actor_for(_user("unit1")), 2026, NOW)


def test_the_office_page_delivers_after_confirming_the_count_and_lists_each_state(
    province: FlaskClient,
) -> None:
    client = province
    sign_in(client, "office1")
    page = client.get("/appeals/2026")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "确认向 3 个单位送达第 1 版考核结果" in text
    assert text.count('data-testid="delivery-row"') == 3 and "未送达" in text

    token = page_csrf(client, "/appeals/2026")
    unconfirmed = client.post("/appeals/2026/deliver", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert re.search(
        r'id="confirm_count-error"[^>]*>请勾选确认向 3 个单位送达',
        unconfirmed.get_data(as_text=True),
    )
    assert _deliveries() == []

    with time_machine.travel(NOW, tick=False):
        done = client.post(
            "/appeals/2026/deliver",
            data={"csrf_token": token, "confirm_count": "3"},
            follow_redirects=True,
        )
    text = done.get_data(as_text=True)
    assert "已送达第 1 版考核结果，启动申诉流程 3 个: FGW、GXT、NYT" in text
    assert text.count("待单位确认或申诉") == 3
    assert "第 1 版结果已送达全部单位" in text


@pytest.mark.usefixtures("scored")
def test_delivery_without_the_appeal_diagram_is_refused_on_the_page(client: FlaskClient) -> None:
    sign_in(client, "office1")
    token = page_csrf(client, "/appeals/2026")
    refused = client.post("/appeals/2026/deliver", data={"csrf_token": token, "confirm_count": "3"})
    assert refused.status_code == 404
    assert "appeal" in refused.get_data(as_text=True) and "未送达" in refused.get_data(as_text=True)
    assert _deliveries() == []


@pytest.mark.usefixtures("scored")
def test_the_menu_opens_the_newest_scored_year_and_an_unscored_year_says_so(
    client: FlaskClient,
) -> None:
    """A new year opens before the last one is scored: the menu link must not end in a 404."""
    make_unit("FGW", year=2027)
    sign_in(client, "office1")
    menu = client.get("/appeals/")
    assert menu.status_code == 302 and menu.headers["Location"].endswith("/appeals/2026")

    unscored = client.get("/appeals/2027")
    assert unscored.status_code == 200
    text = unscored.get_data(as_text=True)
    assert "2027年度尚未计算得分" in text
    assert 'href="/appeals/2026"' in text and 'href="/scores/"' in text
    assert "送达考核结果" not in text and 'data-testid="delivery-row"' not in text
    refused = client.post(
        "/appeals/2027/deliver",
        data={"csrf_token": page_csrf(client, "/appeals/2027"), "confirm_count": "0"},
    )
    assert refused.status_code == 409 and "2027年度尚未计算得分" in refused.get_data(as_text=True)
    assert _deliveries() == []


@pytest.mark.usefixtures("scored")
def test_a_year_whose_grades_are_final_is_not_delivered_again(client: FlaskClient) -> None:
    """After the notice, results are not delivered: an appeal against final grades is refused."""
    finalize_grades(
        db.session,
        SYSTEM,
        year=2026,
        version=1,
        chain=[{"step": "省委常委会会议", "decision": "approve", "date": "2027-03-20"}],
        instance_id=None,
        now=NOW,
    )
    db.session.commit()
    with pytest.raises(Conflict):
        deliver_results(db.session, actor_for(_user("office1")), 2026, NOW)
    db.session.rollback()
    sign_in(client, "office1")
    page = client.get("/appeals/2026").get_data(as_text=True)
    assert "2026年度考核等次已经审定并发布通报" in page
    assert 'action="/appeals/2026/deliver"' not in page
    refused = client.post(
        "/appeals/2026/deliver",
        data={"csrf_token": page_csrf(client, "/appeals/2026"), "confirm_count": "0"},
    )
    assert refused.status_code == 409
    assert _deliveries() == []


def test_the_unit_page_traces_the_appeal_and_is_closed_to_other_units(
    province: FlaskClient,
) -> None:
    client = province
    with time_machine.travel(NOW, tick=False):
        deliver_results(db.session, actor_for(_user("office1")), 2026, NOW)
        db.session.commit()
        file_appeal(client, "unit1")
        sign(client, "head1")
        review(
            client,
            office_decision="upheld",
            reply="更正第1项指标完成度。",
            corrected={"indicators[0].completion": "1"},
        )
    sign_in(client, "unit1")
    text = client.get("/appeals/2026/NYT").get_data(as_text=True)
    assert "申诉成立" in text and "更正第1项指标完成度。" in text
    assert "第1项指标核定完成度（权重 30）：0.8 → 1" in text
    assert "1 → 2" in text and "head1" in text and "office1" in text
    assert client.get("/appeals/2026/FGW").status_code == 403
    assert client.get("/appeals/2026").status_code == 403


def test_the_demo_delivers_the_latest_results_once(province: FlaskClient) -> None:
    with time_machine.travel(NOW, tick=False):
        assert load_appeal_demo(db.session, bpmn_dir=ROOT / "bpmn", now=NOW, year=2026) == 3
        assert load_appeal_demo(db.session, bpmn_dir=ROOT / "bpmn", now=NOW, year=2026) == 0
    db.session.commit()
    assert len(_deliveries()) == 3


def test_the_demo_delivers_nothing_without_scores(app: object) -> None:
    assert load_appeal_demo(db.session, bpmn_dir=ROOT / "bpmn", now=NOW, year=2026) == 0


@pytest.mark.parametrize("path", ["/appeals/", "/appeals/2026", "/appeals/2026/NYT"])
def test_administrators_and_visitors_do_not_open_the_appeal_pages(
    app: Flask, province: FlaskClient, path: str
) -> None:
    assert app.test_client().get(path).status_code == 302
    make_user("sysadmin1", Role.SYSADMIN)
    admin = app.test_client()
    sign_in(admin, "sysadmin1")
    assert admin.get(path).status_code == 403
    office = app.test_client()
    sign_in(office, "office1")
    assert office.get(path).status_code in (200, 302)
