"""Factories for tests: users with roles, units, signed-in clients, API tokens."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import create_user, grant_role
from app.db import utcnow
from app.extensions import db
from app.org.models import Unit
from app.org.services import UnitInput, save_unit
from tests.conftest import csrf_from

PASSWORD = "Correct-Horse-42"

SYSTEM = Actor.system("tests")


def make_unit(
    code: str = "FGW",
    *,
    name: str | None = None,
    category: str = "economic",
    year: int = 2026,
    leader: User | None = None,
    headcount: int = 100,
) -> Unit:
    membership = save_unit(
        db.session,
        actor=SYSTEM,
        year=year,
        now=utcnow(),
        data=UnitInput(
            code=code,
            name_zh=name or f"测试单位{code}",
            name_en=f"Unit {code}",
            category=category,
            headcount=headcount,
            leader_id=leader.id if leader else None,
        ),
    )
    db.session.commit()
    return membership.unit


def make_user(
    username: str,
    *roles: Role | tuple[Role, Unit],
    password: str = PASSWORD,
    must_change: bool = False,
) -> User:
    user = create_user(
        db.session,
        actor=SYSTEM,
        username=username,
        display_name=username.title(),
        password=password,
        now=utcnow(),
    )
    user.must_change_password = must_change
    for entry in roles:
        role, unit = entry if isinstance(entry, tuple) else (entry, None)
        grant_role(db.session, actor=SYSTEM, user=user, role=role, unit=unit, now=utcnow())
    db.session.commit()
    return user


def sign_in(
    client: FlaskClient, username: str, password: str = PASSWORD, follow: bool = False
) -> object:
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


def page_csrf(client: FlaskClient, path: str = "/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def api_token(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["token"])
