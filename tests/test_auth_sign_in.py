"""Sign-in, lockout, sessions, passwords (issue 2 §4)."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth import services as auth_services
from app.auth.models import User, WebSession
from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from tests.factories import PASSWORD, make_unit, make_user, page_csrf, sign_in


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_sign_in_opens_the_dashboard_and_is_audited(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "alice" in page.get_data(as_text=True)
    assert "auth.sign_in" in _actions()


def test_wrong_password_and_unknown_user_get_the_same_message(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    wrong = sign_in(client, "alice", "Wrong-password-1")
    unknown = sign_in(client, "nobody", "Wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401

    def message(html: str) -> str:
        start = html.index('class="invalid-feedback')
        return html[start : html.index("</div>", start)]

    assert message(wrong.get_data(as_text=True)) == message(unknown.get_data(as_text=True))
    assert _actions().count("auth.sign_in_failed") == 2


def test_unknown_users_cost_the_same_hashing_time(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    verified: list[str] = []
    real_verify = auth_services.verify_password

    def counting_verify(password_hash: str, password: str) -> bool:
        verified.append(password_hash[:9])
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth_services, "verify_password", counting_verify)
    sign_in(client, "nobody", "Wrong-password-1")
    sign_in(client, "alice", "Wrong-password-1")
    # Both paths run one argon2id verification, so neither answers measurably faster.
    assert verified == ["$argon2id", "$argon2id"]

    def median_time(username: str) -> float:
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            sign_in(client, username, "Wrong-password-1")
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    assert 0.33 < median_time("nobody") / median_time("alice") < 3.0


def test_five_failures_lock_the_account_even_for_the_right_password(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    for _ in range(5):
        assert sign_in(client, "alice", "Wrong-password-1").status_code == 401
    user = _user("alice")
    assert user.locked_until is not None
    assert user.locked_until - utcnow() > timedelta(minutes=14)
    assert sign_in(client, "alice", PASSWORD).status_code == 401
    # After the lock runs out the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_sign_out_makes_a_copied_cookie_worthless(app: Flask, client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    sign_in(client, "alice")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    stolen = cookie.value
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_in_issues_a_new_session_id(app: Flask, client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    client.get("/login")
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert before is not None
    sign_in(client, "alice")
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert after is not None and after.value != before.value
    assert db.session.get(WebSession, _digest(before.value)) is None


def _digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def test_idle_and_absolute_timeouts_end_the_session(app: Flask, client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    sign_in(client, "alice")
    assert client.get("/").status_code == 200
    row = db.session.execute(select(WebSession).where(WebSession.user_id.is_not(None))).scalar_one()
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get("/").status_code == 302

    sign_in(client, "alice")
    db.session.expire_all()
    row = db.session.execute(select(WebSession).where(WebSession.user_id.is_not(None))).scalar_one()
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_a_new_account_must_change_its_password_first(client: FlaskClient) -> None:
    make_user("bob", Role.OFFICE_STAFF, must_change=True)
    response = sign_in(client, "bob")
    assert response.headers["Location"] == "/password"
    assert client.get("/").headers["Location"] == "/password"
    token = page_csrf(client, "/password")
    weak = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm": "short",
        },
    )
    assert weak.status_code == 200
    assert 'id="new_password-errors"' in weak.get_data(as_text=True)
    assert _user("bob").must_change_password
    good = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "Brand-new-pass-7",
            "confirm": "Brand-new-pass-7",
        },
    )
    assert good.status_code == 302
    assert client.get("/").status_code == 200
    assert not _user("bob").must_change_password


def test_an_old_password_expires_after_90_days(client: FlaskClient) -> None:
    make_user("bob", Role.OFFICE_STAFF)
    user = _user("bob")
    user.password_changed_at = utcnow() - timedelta(days=91)
    db.session.commit()
    assert sign_in(client, "bob").headers["Location"] == "/password"


def test_disabled_accounts_cannot_sign_in(client: FlaskClient) -> None:
    make_user("bob", Role.OFFICE_STAFF)
    _user("bob").is_active = False
    db.session.commit()
    assert sign_in(client, "bob").status_code == 401


def test_login_refuses_a_post_without_csrf_token(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert _actions() == [] or "auth.sign_in" not in _actions()


def test_sign_out_refuses_a_post_without_csrf_token(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    sign_in(client, "alice")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_next_parameter_never_leaves_the_site(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    page = client.get("/login?next=//evil.example/x")
    from tests.conftest import csrf_from

    response = client.post(
        "/login?next=//evil.example/x",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/"


def test_security_headers_on_pages(client: FlaskClient) -> None:
    make_unit()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    make_user("alice", Role.OFFICE_STAFF)
    sign_in(client, "alice")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_hsts_and_secure_cookie_in_production(database_url: str) -> None:
    from app import create_app

    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x" * 32,
            "DATA_KEYS": "k1:" + "ab" * 16,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
        },
    )
    with app.app_context():
        make_user("alice", Role.OFFICE_STAFF)
        client = app.test_client()
        page = client.get("/login", base_url="https://jixiao.example")
        assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
        cookie = page.headers["Set-Cookie"]
        assert cookie.startswith("__Host-jixiao=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        db.session.remove()
        db.engine.dispose()


def test_production_refuses_to_start_without_secret_key(database_url: str) -> None:
    import pytest

    from app import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": ""})


def test_the_scheduler_purges_sessions_past_their_lifetime(app: Flask, client: FlaskClient) -> None:
    from app.workflow.timers.scheduler import run_tick

    make_user("alice", Role.OFFICE_STAFF)
    sign_in(client, "alice")
    assert db.session.execute(select(WebSession)).first() is not None
    db.session.commit()
    run_tick(db.session, now=utcnow() + timedelta(hours=12, minutes=1))
    assert db.session.execute(select(WebSession)).first() is None


def test_switching_to_sm3_rehashes_at_the_next_sign_in(app: Flask, client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    assert _user("alice").password_hash.startswith("$argon2id$")
    db.session.commit()
    app.config["PASSWORD_HASH"] = "pbkdf2-sm3"
    assert sign_in(client, "alice").status_code == 302
    assert _user("alice").password_hash.startswith("$pbkdf2-sm3$")
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    assert sign_in(client, "alice").status_code == 302
