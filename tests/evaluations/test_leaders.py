"""The leaders' grid (and the leading group's, the same grid): draft, submit, abstain, a score
out of range refused next to its field, reopening by the office only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.evaluations.aggregates import leader_scores, leading_group_scores
from app.evaluations.models import RatingSheet, SheetStatus
from app.extensions import db
from tests.evaluations.conftest import YEAR
from tests.factories import make_unit, make_user, page_csrf, sign_in

pytestmark = pytest.mark.usefixtures("province")
LEADER_GRID = f"/evaluations/{YEAR}/sheets/leader"


def post_grid(client: FlaskClient, path: str, action: str, **fields: str) -> Any:
    token = page_csrf(client, path)
    return client.post(path, data={"csrf_token": token, "action": action, **fields})


def test_a_draft_keeps_what_was_typed_and_counts_what_is_left(client: FlaskClient) -> None:
    sign_in(client, "leader1")
    response = post_grid(client, LEADER_GRID, "save", **{"score-FGW": "92.5"})
    assert response.status_code == 302
    page = client.get(LEADER_GRID).get_data(as_text=True)
    assert 'value="92.50"' in page
    assert "还有 2 个单位未评（共 3 个）" in page
    assert leader_scores(db.session, YEAR) == {}  # a draft does not count


def test_submission_needs_every_unit_and_then_counts(client: FlaskClient) -> None:
    sign_in(client, "leader1")
    refused = post_grid(client, LEADER_GRID, "submit", **{"score-FGW": "90"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="error-GXT"' in html and 'id="error-JYT"' in html
    assert 'value="90"' in html  # nothing typed is lost
    done = post_grid(
        client,
        LEADER_GRID,
        "submit",
        **{"score-FGW": "90", "score-GXT": "80", "abstain-JYT": "1"},
    )
    assert done.status_code == 302
    assert leader_scores(db.session, YEAR) == {"FGW": [Decimal("90")], "GXT": [Decimal("80")]}
    again = post_grid(client, LEADER_GRID, "save", **{"score-FGW": "10"})
    assert again.status_code == 409
    assert leader_scores(db.session, YEAR)["FGW"] == [Decimal("90")]


@pytest.mark.parametrize("typed", ["101", "-1", "abc", "90.123"])
def test_a_bad_score_is_refused_next_to_its_field(client: FlaskClient, typed: str) -> None:
    sign_in(client, "leader1")
    response = post_grid(client, LEADER_GRID, "save", **{"score-FGW": typed, "score-GXT": "70"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="error-FGW"' in html and 'aria-invalid="true"' in html
    assert 'id="error-GXT"' not in html
    assert db.session.execute(select(RatingSheet)).first() is None  # nothing half-saved


def test_score_and_abstain_together_is_refused(client: FlaskClient) -> None:
    sign_in(client, "leader1")
    response = post_grid(client, LEADER_GRID, "save", **{"score-FGW": "80", "abstain-FGW": "1"})
    assert response.status_code == 422
    assert 'id="error-FGW"' in response.get_data(as_text=True)


def test_only_leaders_fill_the_leader_grid(client: FlaskClient) -> None:
    sign_in(client, "group1")
    assert client.get(LEADER_GRID).status_code == 403
    assert client.get(f"/evaluations/{YEAR}/sheets/leading_group").status_code == 200


def test_the_leading_group_uses_the_same_grid(client: FlaskClient) -> None:
    sign_in(client, "group1")
    path = f"/evaluations/{YEAR}/sheets/leading_group"
    fields = {"score-FGW": "88", "score-GXT": "77", "score-JYT": "66"}
    assert post_grid(client, path, "submit", **fields).status_code == 302
    assert leading_group_scores(db.session, YEAR)["JYT"] == [Decimal("66")]
    assert leader_scores(db.session, YEAR) == {}


def _submitted_sheet(client: FlaskClient) -> int:
    sign_in(client, "leader1")
    fields = {"score-FGW": "90", "score-GXT": "80", "score-JYT": "70"}
    assert post_grid(client, LEADER_GRID, "submit", **fields).status_code == 302
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sheet_id = db.session.execute(select(RatingSheet.id)).scalar_one()
    return int(sheet_id)


def test_only_the_office_reopens_a_submitted_sheet_with_a_reason(
    app: Any, client: FlaskClient
) -> None:
    sheet_id = _submitted_sheet(client)
    other = app.test_client()
    sign_in(other, "leader2")
    token = page_csrf(other, "/")
    path = f"/evaluations/sheets/{sheet_id}/reopen"
    assert other.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 403

    office = app.test_client()
    sign_in(office, "office1")
    token = page_csrf(office, f"/evaluations/{YEAR}")
    no_reason = office.post(path, data={"csrf_token": token, "year": YEAR, "reason": " "})
    assert no_reason.status_code == 422
    assert f'id="sheet-{sheet_id}-error"' in no_reason.get_data(as_text=True)
    reason = "FGW 分数录入有误"
    ok = office.post(path, data={"csrf_token": token, "year": YEAR, "reason": reason})
    assert ok.status_code == 302
    db.session.expire_all()
    sheet = db.session.get(RatingSheet, sheet_id)
    assert sheet is not None and sheet.status is SheetStatus.DRAFT
    assert leader_scores(db.session, YEAR) == {}
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "evaluation_sheet.reopen")
    ).scalar_one()
    assert entry.actor_name == "office1" and entry.after["reason"] == reason


@pytest.mark.parametrize(
    ("username", "lands_on"),
    [
        ("leader1", f"/evaluations/{YEAR}/sheets/leader"),
        ("group1", f"/evaluations/{YEAR}/sheets/leading_group"),
        ("dept1", f"/evaluations/{YEAR}/departments/leadership"),
        ("office1", f"/evaluations/{YEAR}"),
    ],
)
def test_each_evaluator_lands_on_their_own_work(
    client: FlaskClient, username: str, lands_on: str
) -> None:
    sign_in(client, username)
    response = client.get("/evaluations/")
    assert response.status_code == 302 and response.location.endswith(lands_on)
    assert "年终评价" in client.get("/").get_data(as_text=True)


def test_people_without_evaluation_work_are_refused(app: Any, client: FlaskClient) -> None:
    unit = make_unit("XYZ")
    make_user("unit9", (Role.UNIT_STAFF, unit))
    sign_in(client, "unit9")
    assert client.get("/evaluations/").status_code == 403
    assert client.get(f"/evaluations/{YEAR}").status_code == 403
    assert client.get(LEADER_GRID).status_code == 403
    assert "年终评价" not in client.get("/").get_data(as_text=True)
