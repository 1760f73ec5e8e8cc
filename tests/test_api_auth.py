"""API tokens and JSON errors (CONTRACT, issue 2 §4 and "Bad input")."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from app.auth.models import ApiToken, RoleGrant, User
from app.auth.roles import Role
from app.extensions import db
from tests.factories import PASSWORD, api_token, make_unit, make_user


def _error(response: object) -> dict[str, object]:
    body = response.get_json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]  # type: ignore[no-any-return]


def test_a_token_opens_the_api_and_is_stored_only_as_a_hash(client: FlaskClient) -> None:
    make_unit("FGW")
    make_user("alice", Role.OFFICE_STAFF)
    token = api_token(client, "alice")
    stored = db.session.execute(select(ApiToken)).scalar_one()
    assert stored.token_hash != token and token not in stored.token_hash
    response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()[0] == {
        "code": "FGW",
        "name": "测试单位FGW",
        "name_en": "Unit FGW",
        "category": "economic",
        "year": 2026,
    }


def test_a_revoked_token_is_refused(client: FlaskClient) -> None:
    make_unit("FGW")
    make_user("alice", Role.OFFICE_STAFF)
    token = api_token(client, "alice")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = client.get("/api/v1/units", headers=headers)
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthenticated"


def test_a_token_is_refused_from_the_next_call_once_its_account_is_disabled(
    client: FlaskClient,
) -> None:
    make_unit("FGW")
    alice = make_user("alice", Role.OFFICE_STAFF)
    headers = {"Authorization": f"Bearer {api_token(client, 'alice')}"}
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    db.session.get(User, alice.id).is_active = False  # nothing about the token is cached
    db.session.commit()
    assert client.get("/api/v1/units", headers=headers).status_code == 401


def test_a_role_taken_away_counts_from_the_next_call(client: FlaskClient) -> None:
    make_unit("FGW")
    alice = make_user("alice", Role.OFFICE_STAFF)
    headers = {"Authorization": f"Bearer {api_token(client, 'alice')}"}
    assert client.get("/api/v1/process-definitions", headers=headers).status_code == 200
    db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == alice.id))
    db.session.commit()
    assert client.get("/api/v1/process-definitions", headers=headers).status_code == 403


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}]
)
def test_calls_without_a_valid_token_get_401(client: FlaskClient, headers: dict[str, str]) -> None:
    assert client.get("/api/v1/units", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["a", "list"]}, 400),
        ({"json": {"username": 5, "password": "x"}}, 400),
        ({"json": {"username": "alice", "password": "wrong-Password-1"}}, 401),
        ({"json": {"username": "ghost", "password": "wrong-Password-1"}}, 401),
    ],
)
def test_bad_token_requests_get_json_errors(
    client: FlaskClient, kwargs: dict[str, object], status: int
) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    response = client.post("/api/v1/auth/token", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    _error(response)


def test_api_lockout_matches_the_sign_in_page(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "alice", "password": "Wrong-pass-1"})
    locked = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert locked.status_code == 401


def test_an_account_that_must_change_its_password_gets_no_token(client: FlaskClient) -> None:
    make_user("bob", Role.OFFICE_STAFF, must_change=True)
    response = client.post("/api/v1/auth/token", json={"username": "bob", "password": PASSWORD})
    assert response.status_code == 422


def test_unknown_api_paths_and_methods_answer_in_json(client: FlaskClient) -> None:
    assert _error(client.get("/api/v1/nothing-here"))["code"] == "not_found"
    response = client.put("/api/v1/units")
    assert response.status_code == 405
    _error(response)


def test_api_needs_no_csrf_token_but_pages_do(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}
        ).status_code
        == 200
    )
    assert (
        client.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 400
    )


def test_me_names_each_roles_unit_by_its_code(client: FlaskClient) -> None:
    make_unit("AAA")  # another unit first, so that ids and codes cannot coincide
    unit = make_unit("FGW")
    make_user("unit1", (Role.UNIT_STAFF, unit), Role.EXPERT)
    token = api_token(client, "unit1")
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body == {
        "username": "unit1",
        "roles": [
            {"role": "expert", "unit_code": None},
            {"role": "unit_staff", "unit_code": "FGW"},
        ],
    }
    codes = {
        u["code"]
        for u in client.get(
            "/api/v1/units", headers={"Authorization": f"Bearer {token}"}
        ).get_json()
    }
    assert "FGW" in codes  # the code is one other calls accept


def test_the_token_endpoint_is_rate_limited(database_url: str) -> None:
    from app import create_app

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "5 per minute",
        },
    )
    client = app.test_client()
    with app.app_context():
        statuses = [
            client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
            for _ in range(7)
        ]
        db.session.remove()
        db.engine.dispose()
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
