"""The public rating page: one rating per device, unit and day; bad input; proxy headers;
rate limits; service-desk devices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app import create_app
from app.auth.actor import Actor
from app.db import utcnow
from app.evaluations.ratings.models import Channel, DailyRating
from app.evaluations.ratings.services import issue_device_key
from app.extensions import db
from app.org.models import Unit
from tests.evaluations.ratings_helpers import hidden_inputs, office, rate
from tests.factories import make_unit

__all__ = ["office"]  # the fixture

# 10:00 in Shanghai on a Tuesday.
MORNING = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_2026() -> Iterator[None]:
    """Ratings count in the year of their date: keep them in the units' year, 2026."""
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.fixture
def unit(app: Flask) -> Unit:
    return make_unit("FGW", name="省发展改革委")


def _ratings() -> list[DailyRating]:
    db.session.expire_all()
    return list(db.session.execute(select(DailyRating).order_by(DailyRating.id)).scalars())


def test_page_offers_five_levels_a_comment_and_hidden_inputs(
    client: FlaskClient, unit: Unit
) -> None:
    page = client.get(f"/rate/{unit.rating_token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<form method="post"' in html
    for value, name in [(5, "非常满意"), (3, "基本满意"), (1, "非常不满意")]:
        assert f'name="level" id="level-{value}" value="{value}"' in html
        assert name in html
    assert 'name="comment"' in html and 'maxlength="500"' in html
    assert "form_token" in hidden_inputs(html)
    assert "省发展改革委" in html


def test_a_rating_is_stored_and_redirects_to_thanks(client: FlaskClient, unit: Unit) -> None:
    response = rate(client, unit.rating_token, 4, comment="办事很快", contact="13800000000")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rate/{unit.rating_token}/thanks")
    assert "感谢" in client.get(response.headers["Location"]).get_data(as_text=True)
    [stored] = _ratings()
    assert (stored.level, stored.comment, stored.unit_id) == (4, "办事很快", unit.id)
    assert stored.channel is Channel.QR


def test_second_rating_from_the_same_device_the_same_day_is_409(
    client: FlaskClient, unit: Unit
) -> None:
    with time_machine.travel(MORNING, tick=False):
        assert rate(client, unit.rating_token, 5).status_code == 303
    with time_machine.travel(MORNING + timedelta(hours=13), tick=False):  # 23:00 in Shanghai
        again = rate(client, unit.rating_token, 1, comment="再评一次")
    assert again.status_code == 409
    assert "今天已评价" in again.get_data(as_text=True)
    assert len(_ratings()) == 1


def test_the_next_shanghai_day_allows_another_rating(client: FlaskClient, unit: Unit) -> None:
    with time_machine.travel(MORNING, tick=False):
        assert rate(client, unit.rating_token, 5).status_code == 303
    with time_machine.travel(MORNING + timedelta(hours=14), tick=False):  # 00:00 next day
        assert rate(client, unit.rating_token, 4).status_code == 303
    assert [r.rated_on.isoformat() for r in _ratings()] == ["2026-06-02", "2026-06-03"]


def test_another_device_may_rate_the_same_day(app: Flask, client: FlaskClient, unit: Unit) -> None:
    assert rate(client, unit.rating_token, 5).status_code == 303
    assert rate(app.test_client(), unit.rating_token, 5).status_code == 303
    assert len({r.device_hash for r in _ratings()}) == 2


def test_a_post_without_the_device_cookie_is_refused(app: Flask, unit: Unit) -> None:
    first = app.test_client()
    hidden = hidden_inputs(first.get(f"/rate/{unit.rating_token}").get_data(as_text=True))
    response = app.test_client().post(f"/rate/{unit.rating_token}", data={**hidden, "level": 5})
    assert response.status_code == 400
    assert _ratings() == []


def test_a_forged_or_foreign_form_token_is_refused(app: Flask, client: FlaskClient) -> None:
    unit, other = make_unit("FGW"), make_unit("NYT")
    hidden = hidden_inputs(client.get(f"/rate/{other.rating_token}").get_data(as_text=True))
    foreign = client.post(f"/rate/{unit.rating_token}", data={**hidden, "level": 5})
    forged = client.post(
        f"/rate/{unit.rating_token}",
        data={"form_token": hidden["form_token"][:-4] + "AAAA", "level": 5},
    )
    assert (foreign.status_code, forged.status_code) == (400, 400)
    assert 'data-testid="stale-form"' in forged.get_data(as_text=True)
    assert _ratings() == []


@pytest.mark.parametrize("level", ["6", "0", "abc", ""])
def test_a_bad_level_is_422_next_to_the_field_and_keeps_the_comment(
    client: FlaskClient, unit: Unit, level: str
) -> None:
    response = rate(client, unit.rating_token, level, comment="窗口排队太久")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="level-error"' in html and "请选择" in html
    assert "窗口排队太久</textarea>" in html
    assert _ratings() == []


def test_an_overlong_comment_is_422_and_kept(client: FlaskClient, unit: Unit) -> None:
    response = rate(client, unit.rating_token, 3, comment="长" * 501)
    assert response.status_code == 422
    assert 'id="comment-error"' in response.get_data(as_text=True)
    assert _ratings() == []


def test_markup_in_a_comment_is_shown_escaped(
    app: Flask, client: FlaskClient, unit: Unit, office: FlaskClient
) -> None:
    markup = '<script>alert("x")</script><b>差</b>'
    assert rate(client, unit.rating_token, 3, comment=markup).status_code == 303
    assert _ratings()[0].comment == markup
    html = office.get("/ratings/moderation").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html
    assert "<script>alert(" not in html
    refused = rate(app.test_client(), unit.rating_token, 9, comment=markup)
    assert "&lt;b&gt;差&lt;/b&gt;" in refused.get_data(as_text=True)


def test_control_characters_are_dropped_not_a_server_error(client: FlaskClient, unit: Unit) -> None:
    response = rate(client, unit.rating_token, 4, comment="好\x00评\x07\n谢谢", contact="\x00138")
    assert response.status_code == 303
    [stored] = _ratings()
    assert (stored.comment, stored.contact) == ("好评\n谢谢", "138")


def test_an_unknown_token_is_a_404_page(client: FlaskClient, unit: Unit) -> None:
    response = client.get("/rate/no-such-token")
    assert response.status_code == 404
    assert "二维码" in response.get_data(as_text=True)
    assert client.post("/rate/no-such-token", data={"level": 5}).status_code == 404


def test_the_address_is_never_stored_in_clear(app: Flask, client: FlaskClient, unit: Unit) -> None:
    response = client.get(
        f"/rate/{unit.rating_token}", environ_base={"REMOTE_ADDR": "203.0.113.77"}
    )
    data = {**hidden_inputs(response.get_data(as_text=True)), "level": 5}
    client.post(
        f"/rate/{unit.rating_token}", data=data, environ_base={"REMOTE_ADDR": "203.0.113.77"}
    )
    [stored] = _ratings()
    assert len(stored.client_hash) == 64 and "203.0.113.77" not in stored.client_hash
    dump = " ".join(
        str(row) for row in db.session.execute(text("SELECT * FROM daily_ratings")).all()
    ) + " ".join(str(row) for row in db.session.execute(text("SELECT * FROM audit_entries")).all())
    assert "203.0.113.77" not in dump


def _client_hashes_for(client: FlaskClient, unit: Unit, forwarded: list[str]) -> set[str]:
    for index, address in enumerate(forwarded):
        with time_machine.travel(MORNING + timedelta(days=index), tick=False):
            page = client.get(f"/rate/{unit.rating_token}")
            data = {**hidden_inputs(page.get_data(as_text=True)), "level": 4}
            response = client.post(
                f"/rate/{unit.rating_token}",
                data=data,
                headers={"X-Forwarded-For": address},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            )
            assert response.status_code == 303
    return {r.client_hash for r in _ratings()}


def test_forged_forwarding_headers_are_ignored_without_proxy_trust(
    client: FlaskClient, unit: Unit
) -> None:
    assert len(_client_hashes_for(client, unit, ["198.51.100.1", "198.51.100.2"])) == 1


@pytest.fixture
def proxied_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_forwarding_headers_are_honoured_behind_a_trusted_proxy(proxied_app: Flask) -> None:
    unit = make_unit("FGW")
    hashes = _client_hashes_for(proxied_app.test_client(), unit, ["198.51.100.1", "198.51.100.2"])
    assert len(hashes) == 2


def test_too_many_ratings_from_one_client_get_429(database_url: str) -> None:
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATING_LIMIT_PER_CLIENT": "3 per minute",
        },
    )
    with app.app_context():
        units = [make_unit(f"U{n}") for n in range(5)]
        client = app.test_client()
        statuses = [rate(client, u.rating_token, 5).status_code for u in units]
        db.session.remove()
        db.engine.dispose()
    assert statuses == [303, 303, 303, 429, 429]


@pytest.mark.parametrize(
    ("setting", "same_unit"), [("RATING_LIMIT_PER_UNIT", True), ("RATING_LIMIT_PER_DEVICE", False)]
)
def test_limits_per_unit_and_per_device(database_url: str, setting: str, same_unit: bool) -> None:
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            setting: "2 per minute",
        },
    )
    with app.app_context():
        units = [make_unit(f"U{n}") for n in range(3)]
        phone = app.test_client()
        statuses = []
        for index, unit in enumerate(units):
            # a new phone each time for the unit limit, one phone for the device limit
            client = app.test_client() if same_unit else phone
            target = units[0] if same_unit else unit
            address = {"REMOTE_ADDR": f"192.0.2.{index + 1}"}
            statuses.append(rate(client, target.rating_token, 5, environ_base=address).status_code)
        db.session.remove()
        db.engine.dispose()
    assert statuses == [303, 303, 429]


def test_a_service_desk_device_posts_with_its_key(app: Flask, unit: Unit) -> None:
    _device, key = issue_device_key(
        db.session, actor=Actor.system("tests"), name="政务大厅3号窗口", now=utcnow()
    )
    db.session.commit()
    desk = app.test_client()  # no cookie, no form token: the key vouches for the device
    first = desk.post(
        f"/rate/{unit.rating_token}", data={"level": 5}, headers={"X-Device-Key": key}
    )
    assert first.status_code == 303
    by_field = desk.post(f"/rate/{unit.rating_token}", data={"level": 4, "device_key": key})
    assert by_field.status_code == 409  # one rating per device, unit and day
    forged = desk.post(
        f"/rate/{unit.rating_token}", data={"level": 5}, headers={"X-Device-Key": "forged"}
    )
    assert forged.status_code == 403
    [stored] = _ratings()
    assert stored.channel is Channel.DESK and stored.device_id == _device.id
    assert key not in str(db.session.execute(text("SELECT * FROM rating_devices")).all())
