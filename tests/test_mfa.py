"""Two-step verification (SECURITY.md S10): TOTP with recovery codes for the roles that need it;
a code is single-use, 5 bad codes lock, a password reset cannot skip it, the API asks for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.mfa import confirm_enrolment, start_enrolment, time_step, totp
from app.auth.models import MfaCredential, User
from app.auth.roles import Role
from app.auth.services import actor_for, reset_password
from app.extensions import db
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_unit, make_user, sign_in

T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mfa_on(app: Flask) -> Iterator[None]:
    app.config["MFA_REQUIRED_ROLES"] = frozenset(
        {"office_staff", "office_director", "provincial_leader", "sysadmin", "secadmin", "auditor"}
    )
    with time_machine.travel(T0, tick=False):
        yield


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _credential(username: str) -> MfaCredential:
    credential = db.session.get(MfaCredential, _user(username).id)
    assert credential is not None
    return credential


def _actions(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _enrol(username: str, at: datetime) -> list[str]:
    user = _user(username)
    credential = start_enrolment(db.session, user=user, now=at)
    codes = confirm_enrolment(
        db.session,
        user=user,
        code=totp(credential.secret, time_step(at)),
        now=at,
        client_addr=None,
    )
    db.session.commit()
    return codes


def _code(username: str, at: datetime) -> str:
    return totp(_credential(username).secret, time_step(at))


def _submit(client: FlaskClient, code: str, path: str = "/login/mfa") -> object:
    page = client.get(path)
    return client.post(
        path, data={"code": code, "csrf_token": csrf_from(page.get_data(as_text=True))}
    )


def test_totp_matches_the_rfc_6238_test_vectors() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # b"12345678901234567890"
    # RFC 6238 appendix B (SHA-1), last six of the eight digits.
    assert totp(secret, 59 // 30) == "287082"
    assert totp(secret, 1111111109 // 30) == "081804"
    assert totp(secret, 1234567890 // 30) == "005924"
    assert totp(secret, 20000000000 // 30) == "353130"


def test_office_staff_enrol_at_first_sign_in_and_a_password_alone_signs_nobody_in(
    client: FlaskClient,
) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    response = sign_in(client, "alice")
    assert response.headers["Location"] == "/login/mfa"
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.get("/login/mfa").headers["Location"] == "/login/mfa/setup"

    page = client.get("/login/mfa/setup")
    html = page.get_data(as_text=True)
    assert "<svg" in html
    secret = _credential("alice").secret
    assert secret in html
    assert _credential("alice").confirmed_at is None

    wrong = _submit(
        client,
        "000000" if totp(secret, time_step(T0)) != "000000" else "111111",
        "/login/mfa/setup",
    )
    assert wrong.status_code == 422
    done = _submit(client, totp(secret, time_step(T0)), "/login/mfa/setup")
    assert done.status_code == 200
    codes = re.findall(
        r"<li>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</li>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    # Only hashes of the recovery codes are kept.
    assert not set(codes) & set(_credential("alice").recovery_hashes)
    (entry,) = _actions("mfa.enrol")
    assert entry.actor_id == _user("alice").id
    assert entry.after == {"recovery_codes": 10}


def test_a_code_is_accepted_once(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    _enrol("alice", T0 - timedelta(minutes=5))
    code = _code("alice", T0)
    sign_in(client, "alice")
    assert _submit(client, code).headers["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})

    sign_in(client, "alice")
    replay = _submit(client, code)
    assert replay.status_code == 401
    assert client.get("/").status_code == 302
    # An older code (the previous step) is refused too, once a newer one was used.
    assert _submit(client, _code("alice", T0 - timedelta(seconds=30))).status_code == 401
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert _submit(client, _code("alice", T0 + timedelta(seconds=30))).status_code == 302
        assert client.get("/").status_code == 200
    assert [e.after["via"] for e in _actions("mfa.verify")] == ["totp", "totp"]


def test_five_wrong_codes_lock_the_account(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    _enrol("alice", T0 - timedelta(minutes=5))
    right = _code("alice", T0)
    wrong = "000000" if right != "000000" else "111111"
    sign_in(client, "alice")
    for _attempt in range(4):
        assert _submit(client, wrong).status_code == 401
    assert _user("alice").locked_until is None
    assert _submit(client, wrong).status_code == 401
    assert _user("alice").locked_until == T0 + timedelta(minutes=15)
    # The pending sign-in is gone, and the right password then the right code do not help.
    assert client.get("/login/mfa").headers["Location"] == "/login"
    assert sign_in(client, "alice").status_code == 401
    assert client.get("/").status_code == 302
    failures = _actions("mfa.verify_failed")
    assert [e.after.get("failures") for e in failures] == [1, 2, 3, 4, 5]
    assert "locked_until" in failures[-1].after


def test_a_password_reset_cannot_skip_the_second_factor(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    admin = make_user("root", Role.SYSADMIN)
    _enrol("alice", T0 - timedelta(minutes=5))
    reset_password(
        db.session,
        actor=actor_for(admin),
        user=_user("alice"),
        temporary_password="Temporary-Pass-77",
        now=T0,
    )
    db.session.commit()
    assert _credential("alice").confirmed_at is not None  # the reset keeps the second factor

    response = sign_in(client, "alice", "Temporary-Pass-77")
    assert response.headers["Location"] == "/login/mfa"
    # Neither the password page nor the set-up page lets the temporary password through.
    assert client.get("/password").status_code == 302
    assert client.get("/password").headers["Location"].startswith("/login")
    assert client.get("/login/mfa/setup").headers["Location"] == "/login/mfa"
    assert _submit(client, _code("alice", T0)).headers["Location"] == "/password"
    assert client.get("/password").status_code == 200


def test_a_recovery_code_signs_in_once(client: FlaskClient) -> None:
    make_user("alice", Role.PROVINCIAL_LEADER)
    codes = _enrol("alice", T0 - timedelta(minutes=5))
    sign_in(client, "alice")
    assert _submit(client, codes[3].lower()).headers["Location"] == "/"
    assert len(_credential("alice").recovery_hashes) == 9
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    sign_in(client, "alice")
    assert _submit(client, codes[3]).status_code == 401
    assert _actions("mfa.verify")[0].after == {"via": "recovery_code", "recovery_codes_left": 9}


def test_other_roles_and_demo_accounts_sign_in_with_a_password(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("bob", (Role.UNIT_STAFF, unit))
    assert sign_in(client, "bob").headers["Location"] == "/"
    demo = make_user("demo.office", Role.OFFICE_STAFF)
    demo.is_demo = True
    db.session.commit()
    other = client.application.test_client()
    assert sign_in(other, "demo.office").headers["Location"] == "/"


def test_the_pending_sign_in_expires_after_five_minutes(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    _enrol("alice", T0 - timedelta(minutes=5))
    sign_in(client, "alice")
    later = T0 + timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        response = client.get("/login/mfa")
    assert response.headers["Location"] == "/login"


def test_the_api_asks_these_roles_for_a_code(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    credentials = {"username": "alice", "password": PASSWORD}
    not_enrolled = client.post("/api/v1/auth/token", json=credentials)
    assert not_enrolled.status_code == 403
    assert not_enrolled.get_json()["error"]["details"] == {"otp": ["not_enrolled"]}

    _enrol("alice", T0 - timedelta(minutes=5))
    assert client.post("/api/v1/auth/token", json=credentials).status_code == 401
    code = _code("alice", T0)
    issued = client.post("/api/v1/auth/token", json={**credentials, "otp": code})
    assert issued.status_code == 200
    token = issued.get_json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post("/api/v1/auth/token", json={**credentials, "otp": code}).status_code == 401


def test_the_security_administrator_resets_a_lost_second_factor(
    app: Flask, client: FlaskClient
) -> None:
    alice = make_user("alice", Role.OFFICE_STAFF)
    make_user("guard", Role.SECADMIN)
    make_user("root", Role.SYSADMIN)
    _enrol("alice", T0 - timedelta(minutes=5))
    _enrol("guard", T0 - timedelta(minutes=5))
    _enrol("root", T0 - timedelta(minutes=5))

    sysadmin = app.test_client()
    sign_in(sysadmin, "root")
    _submit(sysadmin, _code("root", T0))
    token = csrf_from(sysadmin.get("/").get_data(as_text=True))
    refused = sysadmin.post(f"/admin/users/{alice.id}/mfa-reset", data={"csrf_token": token})
    assert refused.status_code == 403

    sign_in(client, "guard")
    _submit(client, _code("guard", T0))
    page = client.get("/admin/roles").get_data(as_text=True)
    assert f"/admin/users/{alice.id}/mfa-reset" in page
    done = client.post(f"/admin/users/{alice.id}/mfa-reset", data={"csrf_token": csrf_from(page)})
    assert done.headers["Location"] == "/admin/roles"
    assert db.session.get(MfaCredential, alice.id) is None
    (entry,) = _actions("mfa.reset")
    assert entry.actor_name == "guard" and entry.object_id == str(alice.id)

    other = app.test_client()
    sign_in(other, "alice")
    assert other.get("/login/mfa").headers["Location"] == "/login/mfa/setup"
