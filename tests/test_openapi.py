"""The OpenAPI document lists exactly the API's routes and methods, and describes answers."""

from __future__ import annotations

import re

from flask import Flask
from jsonschema import Draft202012Validator

from app.auth.roles import Role
from tests.factories import api_token, make_unit, make_user


def test_openapi_matches_the_routes(app: Flask) -> None:
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                routed.add((re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path), method))
    assert documented == routed


def test_me_answers_as_the_document_describes(app: Flask) -> None:
    client = app.test_client()
    make_user("unit1", (Role.UNIT_STAFF, make_unit("FGW")), Role.EXPERT)
    document = client.get("/api/v1/openapi.json").get_json()
    token = api_token(client, "unit1")
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    schema = {"$ref": "#/components/schemas/Me", "components": document["components"]}
    Draft202012Validator(schema).validate(body)
    me = document["components"]["schemas"]["Me"]["properties"]["roles"]["items"]
    assert set(me["properties"]) == {"role", "unit_code"}
    assert {r["unit_code"] for r in body["roles"]} == {"FGW", None}
