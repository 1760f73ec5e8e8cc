"""The OpenAPI document lists exactly the API's routes and methods."""

from __future__ import annotations

import re

from flask import Flask


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
