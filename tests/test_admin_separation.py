"""The three separated administrators and role grants (issue 2 §3, SECURITY S7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.roles import Permission, Role
from app.auth.services import actor_for, grant_role, require
from app.db import utcnow
from app.errors import AccessDenied, InvalidInput
from app.extensions import db
from tests.factories import SYSTEM, make_unit, make_user, page_csrf, sign_in


def _denials() -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.execute(select(AuditEntry).where(AuditEntry.action == "access.denied")).scalars()
    )


@pytest.mark.parametrize(
    ("held", "wanted"),
    [
        (Role.SYSADMIN, Role.SECADMIN),
        (Role.SECADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.SYSADMIN),
        (Role.SYSADMIN, Role.OFFICE_STAFF),
        (Role.OFFICE_STAFF, Role.AUDITOR),
    ],
)
def test_an_admin_role_never_shares_an_account(
    client: FlaskClient, held: Role, wanted: Role
) -> None:
    user = make_user("target", held)
    with pytest.raises(AccessDenied):
        grant_role(db.session, actor=SYSTEM, user=user, role=wanted, unit=None, now=utcnow())


def test_the_security_admin_grants_roles_and_the_refusal_is_audited(client: FlaskClient) -> None:
    make_user("secadmin1", Role.SECADMIN)
    target = make_user("target", Role.SYSADMIN)
    sign_in(client, "secadmin1")
    token = page_csrf(client, "/admin/roles")
    refused = client.post(
        "/admin/roles",
        data={"csrf_token": token, "user_id": target.id, "role": "auditor", "unit_id": 0},
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert {g.role for g in db.session.get(User, target.id).grants} == {Role.SYSADMIN}
    assert _denials()[-1].actor_name == "secadmin1"

    plain = make_user("plain")
    granted = client.post(
        "/admin/roles",
        data={"csrf_token": token, "user_id": plain.id, "role": "expert", "unit_id": 0},
    )
    assert granted.status_code == 302
    db.session.expire_all()
    assert {g.role for g in db.session.get(User, plain.id).grants} == {Role.EXPERT}


def test_nobody_grants_roles_to_themselves(client: FlaskClient) -> None:
    admin = make_user("secadmin1", Role.SECADMIN)
    with pytest.raises(AccessDenied):
        grant_role(
            db.session,
            actor=actor_for(admin),
            user=admin,
            role=Role.SECADMIN,
            unit=None,
            now=utcnow(),
        )


def test_unit_roles_need_a_unit_and_other_roles_take_none(client: FlaskClient) -> None:
    unit = make_unit()
    user = make_user("someone")
    with pytest.raises(InvalidInput):
        grant_role(
            db.session, actor=SYSTEM, user=user, role=Role.UNIT_STAFF, unit=None, now=utcnow()
        )
    with pytest.raises(InvalidInput):
        grant_role(db.session, actor=SYSTEM, user=user, role=Role.EXPERT, unit=unit, now=utcnow())


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
def test_administrators_hold_no_business_permission(client: FlaskClient, role: Role) -> None:
    actor = actor_for(make_user("admin", role))
    assert not actor.can(Permission.BUSINESS)
    with pytest.raises(AccessDenied):
        require(actor, Permission.BUSINESS)


@pytest.mark.parametrize(
    ("username", "role", "path", "status"),
    [
        ("sysadmin1", Role.SYSADMIN, "/admin/users", 200),
        ("sysadmin1", Role.SYSADMIN, "/admin/roles", 403),
        ("sysadmin1", Role.SYSADMIN, "/audit/", 403),
        ("secadmin1", Role.SECADMIN, "/admin/roles", 200),
        ("secadmin1", Role.SECADMIN, "/admin/users", 403),
        ("secadmin1", Role.SECADMIN, "/audit/", 403),
        ("auditor1", Role.AUDITOR, "/audit/", 200),
        ("auditor1", Role.AUDITOR, "/admin/users", 403),
        ("auditor1", Role.AUDITOR, "/admin/units", 403),
        ("office1", Role.OFFICE_STAFF, "/admin/users", 403),
        ("office1", Role.OFFICE_STAFF, "/audit/", 403),
        ("office1", Role.OFFICE_STAFF, "/admin/units", 200),
    ],
)
def test_each_admin_page_opens_only_for_its_admin(
    client: FlaskClient, username: str, role: Role, path: str, status: int
) -> None:
    make_unit()
    make_user(username, role)
    sign_in(client, username)
    assert client.get(path).status_code == status
    if status == 403:
        assert _denials()[-1].object_id is not None


def test_the_system_admin_creates_accounts_that_must_change_their_password(
    client: FlaskClient,
) -> None:
    make_user("sysadmin1", Role.SYSADMIN)
    sign_in(client, "sysadmin1")
    token = page_csrf(client, "/admin/users")
    bad = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "new.user",
            "display_name": "New",
            "password": "weak",
        },
    )
    assert bad.status_code == 200
    assert "password-errors" in bad.get_data(as_text=True)
    ok = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "new.user",
            "display_name": "New",
            "password": "Temp-pass-2026",
        },
    )
    assert ok.status_code == 302
    user = db.session.execute(select(User).where(User.username == "new.user")).scalar_one()
    assert user.must_change_password and user.grants == []
    assert "Temp-pass-2026" not in user.password_hash


def test_the_office_manages_units_and_the_system_admin_does_not(client: FlaskClient) -> None:
    """SPEC §1: office staff manage units; the three administrators do no business work."""
    make_unit("FGW")
    make_user("office1", Role.OFFICE_STAFF)
    make_user("sysadmin1", Role.SYSADMIN)
    new_unit = {
        "code": "NEW",
        "name_zh": "新单位",
        "category": "economic",
        "headcount": 10,
        "leader_id": 0,
    }
    sign_in(client, "sysadmin1")
    token = page_csrf(client, "/")
    assert client.get("/admin/units").status_code == 403
    assert client.post("/admin/units", data={"csrf_token": token, **new_unit}).status_code == 403
    client = client.application.test_client()
    sign_in(client, "office1")
    assert "FGW" in client.get("/admin/units").get_data(as_text=True)
    token = page_csrf(client, "/admin/units")
    response = client.post("/admin/units", data={"csrf_token": token, **new_unit})
    assert response.status_code == 302
    saved = db.session.execute(select(AuditEntry).where(AuditEntry.action == "unit.save"))
    assert [e.actor_name for e in saved.scalars()][-1] == "office1"


def test_unit_staff_read_units_but_do_not_edit_them(client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit))
    sign_in(client, "unit1")
    assert "FGW" in client.get("/admin/units").get_data(as_text=True)
    token = page_csrf(client, "/")
    response = client.post(
        "/admin/units",
        data={
            "csrf_token": token,
            "code": "NEW",
            "name_zh": "新单位",
            "category": "economic",
            "headcount": 10,
            "leader_id": 0,
        },
    )
    assert response.status_code == 403


def test_unit_form_errors_are_shown_next_to_fields(client: FlaskClient) -> None:
    make_unit("FGW", name="江西省发展和改革委员会")
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    token = page_csrf(client, "/admin/units")
    response = client.post(
        "/admin/units",
        data={
            "csrf_token": token,
            "code": "DUP",
            "name_zh": "江西省发展和改革委员会",
            "category": "economic",
            "headcount": 10,
            "leader_id": 0,
        },
    )
    assert response.status_code == 200
    assert "name_zh-errors" in response.get_data(as_text=True)


def test_the_system_admin_unlocks_an_account_and_it_is_audited(client: FlaskClient) -> None:
    make_user("sysadmin1", Role.SYSADMIN)
    locked = make_user("clerk", Role.OFFICE_STAFF)
    locked.locked_until = utcnow() + timedelta(minutes=10)
    locked.failed_logins = 0
    db.session.commit()
    sign_in(client, "sysadmin1")
    token = page_csrf(client, "/admin/users")
    assert "解锁" in client.get("/admin/users").get_data(as_text=True)
    assert (
        client.post(f"/admin/users/{locked.id}/unlock", data={"csrf_token": token}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(User, locked.id).locked_until is None
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "user.unlock")
    ).scalar_one()
    assert entry.actor_name == "sysadmin1" and entry.object_id == str(locked.id)


def test_a_password_reset_forces_a_change_and_ends_the_users_sessions(
    client: FlaskClient,
) -> None:
    make_user("sysadmin1", Role.SYSADMIN)
    clerk = make_user("clerk", Role.OFFICE_STAFF)
    clerk_client = client.application.test_client()
    sign_in(clerk_client, "clerk")
    assert clerk_client.get("/notifications/").status_code == 200
    sign_in(client, "sysadmin1")
    token = page_csrf(client, f"/admin/users/{clerk.id}/password")
    weak = client.post(
        f"/admin/users/{clerk.id}/password", data={"csrf_token": token, "password": "weak"}
    )
    assert weak.status_code == 200 and "password-errors" in weak.get_data(as_text=True)
    done = client.post(
        f"/admin/users/{clerk.id}/password",
        data={"csrf_token": token, "password": "Reset-pass-2026"},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clerk.id).must_change_password
    assert clerk_client.get("/notifications/").status_code == 302  # signed out everywhere
    assert (
        db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.password_reset"))
        .scalar_one()
        .actor_name
        == "sysadmin1"
    )


def test_only_the_system_admin_resets_passwords(client: FlaskClient) -> None:
    make_user("secadmin1", Role.SECADMIN)
    clerk = make_user("clerk", Role.OFFICE_STAFF)
    sign_in(client, "secadmin1")
    assert client.get(f"/admin/users/{clerk.id}/password").status_code == 403


def test_the_role_and_category_choices_are_in_chinese(client: FlaskClient) -> None:
    """Choices built when the module was imported came out in English (issue 18)."""
    make_unit("FGW")
    make_user("secadmin1", Role.SECADMIN)
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "secadmin1")
    roles_page = client.get("/admin/roles").get_data(as_text=True)
    assert "省绩效办工作人员" in roles_page and "Performance office staff" not in roles_page
    office = client.application.test_client()
    sign_in(office, "office1")
    units_page = office.get("/admin/units").get_data(as_text=True)
    assert "经济发展类" in units_page and "Economic development" not in units_page
