"""Personal information (SECURITY.md S19) is shown masked; sign-out clears the browser (S22).
Encryption at rest is tested in tests/test_data_encryption.py."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from app.calendar.workdays import local_date
from app.crypto.masking import mask_personal
from app.db import utcnow
from app.evaluations.ratings.rules import RatingRules
from app.evaluations.ratings.services import Rater, RatingInput, submit_rating
from app.extensions import db
from tests.conftest import csrf_from
from tests.factories import make_unit, make_user, sign_in


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("13812341234", "138****1234"),
        ("+86 138-1234-1234", "138****1234"),
        ("11010519491231002X", "110***********002X"),
        ("zhang.san@example.com", "z***@example.com"),
        ("0791-86661234", "079*******34"),
        ("138", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_personal_values_are_masked(value: str | None, shown: str) -> None:
    assert mask_personal(value) == shown


def test_the_moderation_page_shows_the_rater_contact_masked(
    app: Flask, client: FlaskClient
) -> None:
    now = utcnow()  # the page shows this year's ratings: the unit belongs to the same year
    unit = make_unit("FGW", name="省发展改革委", year=local_date(now).year)
    submit_rating(
        db.session,
        unit=unit,
        rater=Rater("device-1", "client-1"),
        form=RatingInput(level="2", comment="材料要求反复变", contact="13812341234"),
        rules=RatingRules(),
        now=now,
    )
    db.session.commit()
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    html = client.get("/ratings/moderation").get_data(as_text=True)
    assert "材料要求反复变" in html
    assert "138****1234" in html
    assert "13812341234" not in html


def test_sign_out_clears_what_the_browser_kept(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    page = client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
