"""Every input the API and the pages accept has an answer: out-of-range integers, extreme dates,
deeply nested JSON, unusual methods and foreign origins give a clear refusal, never a 500
(issue 19)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.auth.roles import Role
from app.errors import InvalidInput
from app.extensions import db
from app.workbench.services import parse_form_json
from app.workflow.pages.process_pages import _corrected_data
from tests.factories import api_token, make_unit, make_user, page_csrf, sign_in

HUGE = 2**63
TOO_BIG_FOR_POSTGRES = 2**31


def _office_headers(client: FlaskClient) -> dict[str, str]:
    make_user("office1", Role.OFFICE_STAFF)
    return {"Authorization": f"Bearer {api_token(client, 'office1')}"}


def _error_code(response: object) -> str:
    body = response.get_json()  # type: ignore[attr-defined]
    assert body is not None and "error" in body, body
    return str(body["error"]["code"])


@pytest.mark.parametrize(
    "query",
    [
        f"limit={HUGE}",
        f"limit=-{HUGE}",
        "limit=-1",
        "limit=0",
        "limit=501",
        f"offset={HUGE}",
        "offset=-1",
        f"offset={TOO_BIG_FOR_POSTGRES}",
        "limit=ten",
        "overdue=maybe",
        "due_before=yesterday",
        "due_before=",
        f"q={'x' * 101}",
    ],
)
def test_task_list_refuses_out_of_range_parameters(client: FlaskClient, query: str) -> None:
    headers = _office_headers(client)
    response = client.get(f"/api/v1/tasks?{query}", headers=headers)
    assert response.status_code == 400
    assert _error_code(response) == "malformed"
    assert response.get_json()["error"]["details"]["field"] == query.split("=", maxsplit=1)[0]


@pytest.mark.parametrize(
    "query",
    [
        "limit=1",
        "limit=500",
        "offset=0",
        f"offset={TOO_BIG_FOR_POSTGRES - 1}",
        "overdue=0",
        "overdue=1",
        "overdue=true",
        "overdue=false",
        "due_before=0001-01-01T00:00:00",
        "due_before=9999-12-31T23:59:59",
        "due_before=0001-01-01",
        "due_before=9999-12-31",
        "due_before=2026-12-04T10:00:00%2B08:00",
        "due_before=2026-12-04T02:00:00Z",
    ],
)
def test_task_list_accepts_every_value_its_description_allows(
    client: FlaskClient, query: str
) -> None:
    headers = _office_headers(client)
    response = client.get(f"/api/v1/tasks?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == []


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/process-instances/{HUGE}",
        f"/api/v1/process-instances/{TOO_BIG_FOR_POSTGRES}",
        f"/api/v1/process-instances/{2**70}/retry",
        f"/api/v1/years/{HUGE}/scores",
        f"/api/v1/years/{TOO_BIG_FOR_POSTGRES}/scores",
        "/api/v1/years/99999/scores",
    ],
)
def test_ids_beyond_the_database_are_not_found(client: FlaskClient, path: str) -> None:
    headers = _office_headers(client)
    method = client.post if path.endswith("retry") else client.get
    response = method(path, headers=headers)
    assert response.status_code == 404
    assert _error_code(response) == "not_found"


@pytest.mark.parametrize("version", [17289785404414939940850078056448, TOO_BIG_FOR_POSTGRES, 0, -1])
def test_start_refuses_a_version_out_of_range(client: FlaskClient, version: int) -> None:
    headers = _office_headers(client)
    response = client.post(
        "/api/v1/process-instances",
        json={"process_key": "anything", "version": version},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"field": "version"}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/process-instances"])
def test_deeply_nested_json_is_malformed_not_a_crash(client: FlaskClient, path: str) -> None:
    headers = _office_headers(client)
    response = client.post(
        path,
        data='{"username": ' + _nested(10_000) + "}",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert _error_code(response) == "malformed"


def test_nesting_a_form_needs_is_still_read(client: FlaskClient) -> None:
    headers = _office_headers(client)
    response = client.post(
        "/api/v1/process-instances",
        json={"process_key": "missing", "data": {"a": [[[[{"b": [1, 2]}]]]]}},
        headers=headers,
    )
    assert response.status_code == 404  # the body was read; the process does not exist


def test_reassign_without_a_body_says_what_is_missing(client: FlaskClient) -> None:
    headers = _office_headers(client)
    response = client.post("/api/v1/tasks/no-such-task/reassign", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"field": "username"}


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE"])
def test_unusual_methods_name_the_allowed_ones(client: FlaskClient, method: str) -> None:
    response = client.open("/api/v1/me", method=method)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = client.open("/login", method=method)
    assert "POST" in page.headers["Allow"]
    if method == "OPTIONS":  # RFC 9110: the answer to OPTIONS is the Allow header
        assert response.status_code == page.status_code == 200
    else:
        assert response.status_code == page.status_code == 405
        assert _error_code(response) == "method_not_allowed"


def test_each_operation_of_the_description_documents_its_bounds(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    limit, offset = (
        next(p for p in document["paths"]["/tasks"]["get"]["parameters"] if p["name"] == name)
        for name in ("limit", "offset")
    )
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
    assert offset["schema"]["minimum"] == 0 and offset["schema"]["maximum"] == 2**31 - 1
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["schema"].get("type") == "integer":
                    assert "minimum" in parameter["schema"], (path, parameter)
                    assert "maximum" in parameter["schema"], (path, parameter)
    for action in ("complete", "reassign"):
        body = document["paths"][f"/tasks/{{task_id}}/{action}"]["post"]["requestBody"]
        assert body["required"] is True
    for action in ("retry", "terminate"):
        body = document["paths"][f"/process-instances/{{instance_id}}/{action}"]["post"]
        assert body["requestBody"]["required"] is False


@pytest.mark.parametrize(
    "path",
    [
        f"/portal/?year={HUGE}",
        f"/portal/?year={TOO_BIG_FOR_POSTGRES}",
        "/portal/?year=-5",
        "/portal/?year=99999",
    ],
)
def test_the_public_portal_answers_any_year(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/supervision/?age=999999999",
        f"/supervision/?age={HUGE}",
        "/supervision/?age=-999999999",
        f"/supervision/?days={HUGE}",
        f"/calendar/?year={HUGE}",
        "/calendar/?year=99999",
        f"/tasks?page={HUGE}",
        f"/instances/{HUGE}",
        f"/indicators/?year={TOO_BIG_FOR_POSTGRES - 1}",
        "/indicators/?year=99999",
        f"/progress/?year={HUGE}",
        "/progress/?year=99999",
        f"/ratings/?year={TOO_BIG_FOR_POSTGRES - 1}",
        f"/scores/2026?version={HUGE}",
        f"/scores/{HUGE}",
    ],
)
def test_pages_answer_integers_of_any_size(client: FlaskClient, path: str) -> None:
    make_user("office1", Role.OFFICE_STAFF, Role.SUPERVISOR)
    sign_in(client, "office1")
    response = client.get(path)
    assert response.status_code in {200, 404}, (path, response.status_code)


def test_the_audit_page_answers_any_page_number(client: FlaskClient) -> None:
    make_user("auditor1", Role.AUDITOR)
    sign_in(client, "auditor1")
    assert client.get(f"/audit/?page={HUGE}").status_code == 200


def test_a_form_posted_from_a_foreign_origin_is_refused(client: FlaskClient) -> None:
    make_unit("FGW")
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    token = page_csrf(client, "/")
    foreign = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 400
    assert client.get("/tasks").status_code == 200  # still signed in: nothing was done
    same = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
    )
    assert same.status_code == 302


def test_a_forwarded_host_from_a_trusted_proxy_is_the_origin_to_match(database_url: str) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1})
    with app.app_context():
        make_user("office1", Role.OFFICE_STAFF)
        client = app.test_client()
        client.environ_base.update(
            {
                "HTTP_X_FORWARDED_HOST": "jixiao.gov.example",
                "HTTP_X_FORWARDED_PROTO": "https",
                "HTTP_REFERER": "https://jixiao.gov.example/login",
            }
        )
        sign_in(client, "office1")
        token = page_csrf(client, "/")
        refused = client.post(
            "/logout", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
        )
        assert refused.status_code == 400
        foreign_referer = client.post(
            "/logout", data={"csrf_token": token}, headers={"Referer": "https://evil.example/"}
        )
        assert foreign_referer.status_code == 400  # on HTTPS the Referer is checked too
        accepted = client.post(
            "/logout", data={"csrf_token": token}, headers={"Origin": "https://jixiao.gov.example"}
        )
        assert accepted.status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_a_headcount_no_column_can_hold_is_a_message_next_to_the_field(
    client: FlaskClient,
) -> None:
    make_unit("FGW")
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    token = page_csrf(client, "/admin/units")
    unit = {"code": "NEW", "name_zh": "新单位", "category": "economic", "leader_id": 0}
    response = client.post(
        "/admin/units", data={"csrf_token": token, **unit, "headcount": str(HUGE)}
    )
    assert response.status_code == 200  # the form again, with the field's message
    assert "新单位" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "parse", [parse_form_json, lambda text, field: _corrected_data(text)], ids=["form", "retry"]
)
def test_json_typed_into_a_page_nested_too_deep_is_a_field_error(
    app: Flask, parse: Callable[[str, str], object]
) -> None:
    with pytest.raises(InvalidInput):
        parse(_nested(10_000), "schema")
