"""The office's side: moderation (audited, never deleting), burst flags, counts and D, QR codes
and posters, service-desk devices and `flask ratings links`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.db import utcnow
from app.evaluations.ratings.models import Channel, DailyRating, Moderation
from app.evaluations.ratings.queries import d_score, daily_counts, unit_summaries
from app.evaluations.ratings.rules import RatingRules
from app.evaluations.ratings.services import Rater, RatingInput, submit_rating
from app.extensions import db
from app.org.models import Unit
from tests.evaluations.ratings_helpers import office, rate
from tests.factories import make_unit, make_user, page_csrf, sign_in

__all__ = ["office"]  # the fixture

MORNING = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_2026() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.fixture
def unit(app: Flask) -> Unit:
    return make_unit("FGW", name="省发展改革委")


def _store(unit: Unit, level: int, n: int, *, comment: str = "", source: str = "x") -> None:
    """`n` ratings from `n` devices on `n` addresses (no burst), straight through the service."""
    for index in range(n):
        submit_rating(
            db.session,
            unit=unit,
            rater=Rater(f"d-{source}-{level}-{index}", f"c-{source}-{level}-{index}"),
            form=RatingInput(level=str(level), comment=comment),
            rules=RatingRules(),
            now=utcnow(),
        )
    db.session.commit()


def test_daily_counts_count_valid_ratings_per_level(unit: Unit) -> None:
    _store(unit, 5, 3)
    _store(unit, 2, 1)
    assert daily_counts(db.session, 2026) == {
        "FGW": {"非常满意": 3, "满意": 0, "基本满意": 0, "不满意": 1, "非常不满意": 0}
    }
    assert daily_counts(db.session, 2025) == {}


def test_one_units_summary_reads_only_that_units_ratings(unit: Unit) -> None:
    """The explain page asks for one unit: with a million ratings in the year, counting every
    unit's to keep one took 0.8 s on PostgreSQL."""
    other = make_unit("JYT", name="省教育厅")
    _store(unit, 5, 3)
    _store(other, 1, 2, source="y")
    _store(unit, 1, 1, source="z")
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        [summary] = unit_summaries(db.session, 2026, "FGW")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert summary.per_level == {
        "非常满意": 3,
        "满意": 0,
        "基本满意": 0,
        "不满意": 0,
        "非常不满意": 1,
    }
    assert [s.code for s in unit_summaries(db.session, 2026)] == ["FGW", "JYT"]
    rating_reads = [(sql, params) for sql, params in statements if "daily_ratings" in sql]
    assert rating_reads
    assert all("FGW" in str(params) for _sql, params in rating_reads)
    assert unit_summaries(db.session, 2026, "JYT")[0].valid == 2


def test_d_is_the_mean_level_score_and_absent_below_thirty() -> None:
    counts = {"非常满意": 8, "满意": 20, "基本满意": 1, "不满意": 0, "非常不满意": 0}
    assert d_score(counts) is None  # 29 valid
    counts["非常不满意"] = 1
    assert d_score(counts) == (Decimal(800) + Decimal(1500) + Decimal(50)) / Decimal(30)


def test_the_summary_shows_d_from_thirty_valid_ratings(unit: Unit, office: FlaskClient) -> None:
    make_unit("NYT")
    _store(unit, 5, 20)
    _store(unit, 4, 10)
    html = office.get("/ratings/").get_data(as_text=True)
    fgw = html.split('data-unit="FGW"')[1].split("</tr>")[0]
    nyt = html.split('data-unit="NYT"')[1].split("</tr>")[0]
    assert '<td class="text-end" data-testid="d-score">91.67</td>' in fgw
    assert "不计算" in nyt
    assert f"/rate/{unit.rating_token}" in fgw and "poster.pdf" in fgw


def test_an_invalid_rating_stops_counting_is_kept_and_audited(
    unit: Unit, office: FlaskClient
) -> None:
    _store(unit, 1, 1, comment="广告：代办证件")
    rating = db.session.execute(select(DailyRating)).scalar_one()
    assert rating.moderation is Moderation.PENDING  # a comment waits for moderation
    assert "广告：代办证件" in office.get("/ratings/moderation").get_data(as_text=True)
    token = page_csrf(office, "/ratings/moderation")
    refused = office.post(
        f"/ratings/moderation/{rating.id}", data={"decision": "invalid", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert f'id="rating-{rating.id}-error"' in refused.get_data(as_text=True)
    done = office.post(
        f"/ratings/moderation/{rating.id}",
        data={"decision": "invalid", "reason": "广告", "csrf_token": token},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(DailyRating)).scalar() == 1
    assert db.session.get(DailyRating, rating.id).moderation is Moderation.INVALID  # type: ignore[union-attr]
    assert daily_counts(db.session, 2026) == {}
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "rating.moderate")
    ).scalar_one()
    assert entry.before["moderation"] == "pending"
    assert entry.after == {"moderation": "invalid", "reason": "广告"}
    assert entry.actor_name == "office1"
    summary = office.get("/ratings/").get_data(as_text=True)
    assert 'data-unit="FGW"' in summary


def test_a_valid_decision_keeps_it_counting(unit: Unit, office: FlaskClient) -> None:
    _store(unit, 4, 1, comment="还行")
    rating_id = db.session.execute(select(DailyRating.id)).scalar_one()
    token = page_csrf(office, "/ratings/moderation")
    office.post(f"/ratings/moderation/{rating_id}", data={"decision": "valid", "csrf_token": token})
    assert daily_counts(db.session, 2026)["FGW"]["满意"] == 1
    assert db.session.get(DailyRating, rating_id).moderation is Moderation.VALID  # type: ignore[union-attr]


def test_unit_staff_may_not_moderate(app: Flask, unit: Unit) -> None:
    _store(unit, 1, 1, comment="差")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    staff = app.test_client()
    sign_in(staff, "unit1")
    assert staff.get("/ratings/moderation").status_code == 403
    assert staff.get("/ratings/units/FGW/poster.pdf").status_code == 403


def test_a_burst_from_one_address_is_flagged_not_dropped(app: Flask, unit: Unit) -> None:
    clients = [app.test_client() for _ in range(6)]
    for index, phone in enumerate(clients):
        with time_machine.travel(MORNING + timedelta(minutes=index), tick=False):
            response = rate(phone, unit.rating_token, 5, environ_base={"REMOTE_ADDR": "192.0.2.9"})
            assert response.status_code == 303
    db.session.expire_all()
    ratings = db.session.execute(select(DailyRating).order_by(DailyRating.id)).scalars().all()
    assert len(ratings) == 6
    assert [r.flagged for r in ratings] == [True] * 6  # the 5th flags the first four too
    assert all(r.moderation is Moderation.PENDING for r in ratings)
    assert daily_counts(db.session, 2026)["FGW"]["非常满意"] == 6  # still counting
    assert (
        db.session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "rating.flag")
        ).scalar()
        == 2
    )


def test_different_addresses_at_once_are_not_a_burst(app: Flask, unit: Unit) -> None:
    for index in range(6):
        address = {"REMOTE_ADDR": f"192.0.2.{index + 1}"}
        rate(app.test_client(), unit.rating_token, 5, environ_base=address)
    db.session.expire_all()
    ratings = db.session.execute(select(DailyRating)).scalars().all()
    assert len(ratings) == 6 and not any(r.flagged for r in ratings)


def test_ratings_spread_over_time_are_not_flagged(app: Flask, unit: Unit) -> None:
    for index in range(6):
        with time_machine.travel(MORNING + timedelta(minutes=11 * index), tick=False):
            rate(app.test_client(), unit.rating_token, 5, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    db.session.expire_all()
    assert not any(r.flagged for r in db.session.execute(select(DailyRating)).scalars())


def test_burst_thresholds_are_settings(app: Flask, unit: Unit) -> None:
    app.config.update(RATING_BURST_THRESHOLD=2, RATING_BURST_WINDOW_MINUTES=1)
    for _ in range(2):
        rate(app.test_client(), unit.rating_token, 5, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    db.session.expire_all()
    assert all(r.flagged for r in db.session.execute(select(DailyRating)).scalars())


def test_qr_codes_and_the_poster_download(unit: Unit, office: FlaskClient) -> None:
    svg = office.get("/ratings/units/FGW/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    png = office.get("/ratings/units/FGW/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    pdf = office.get("/ratings/units/FGW/poster.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.data
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert office.get("/ratings/units/NOPE/qr.svg").status_code == 404


def test_the_links_command_prints_code_tab_url(app: Flask, unit: Unit) -> None:
    make_unit("NYT")
    result = app.test_cli_runner().invoke(
        args=["ratings", "links", "--base-url", "https://jx.example.cn/"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert f"FGW\thttps://jx.example.cn/rate/{unit.rating_token}" in lines
    assert len(lines) == 2 and all(line.count("\t") == 1 for line in lines)


def test_issuing_a_device_key_shows_it_once_and_keeps_a_hash(
    app: Flask, unit: Unit, office: FlaskClient
) -> None:
    token = page_csrf(office, "/ratings/devices")
    assert (
        office.post("/ratings/devices", data={"name": "", "csrf_token": token}).status_code == 422
    )
    page = office.post("/ratings/devices", data={"name": "大厅1号窗口", "csrf_token": token})
    html = page.get_data(as_text=True)
    key = html.split('data-testid="issued-key">')[1].split("<code>")[1].split("</code>")[0]
    assert key not in office.get("/ratings/devices").get_data(as_text=True)
    desk = app.test_client().post(
        f"/rate/{unit.rating_token}", data={"level": "4"}, headers={"X-Device-Key": key}
    )
    assert desk.status_code == 303
    stored = db.session.execute(select(DailyRating)).scalar_one()
    assert stored.channel is Channel.DESK and stored.rated_on == date(2026, 6, 2)


def test_a_withdrawn_device_key_is_refused_and_its_ratings_stay(
    app: Flask, unit: Unit, office: FlaskClient
) -> None:
    token = page_csrf(office, "/ratings/devices")
    html = office.post("/ratings/devices", data={"name": "大厅2号窗口", "csrf_token": token})
    key = html.get_data(as_text=True).split("<code>")[1].split("</code>")[0]
    desk = app.test_client()
    ok = desk.post(f"/rate/{unit.rating_token}", data={"level": "5"}, headers={"X-Device-Key": key})
    assert ok.status_code == 303
    device_id = db.session.execute(select(DailyRating.device_id)).scalar_one()
    office.post(f"/ratings/devices/{device_id}/withdraw", data={"csrf_token": token})
    other = make_unit("NYT")
    refused = desk.post(
        f"/rate/{other.rating_token}", data={"level": "5"}, headers={"X-Device-Key": key}
    )
    assert refused.status_code == 403
    assert db.session.execute(select(func.count()).select_from(DailyRating)).scalar() == 1
    assert (
        db.session.execute(select(AuditEntry).where(AuditEntry.action == "rating_device.withdraw"))
        .scalar_one()
        .actor_name
        == "office1"
    )
