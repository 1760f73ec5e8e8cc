"""GET /openapi.json: the OpenAPI 3.1 description of this API; a test keeps it true."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp

_ERROR = {"$ref": "#/components/responses/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": responses, **extra}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


PATHS: dict[str, dict[str, Any]] = {
    "/auth/token": {
        "post": _op(
            "Exchange user name and password for a bearer token",
            {
                "200": {"description": "token", **_json({"$ref": "#/components/schemas/Token"})},
                "400": _ERROR,
                "401": _ERROR,
                "422": _ERROR,
                "429": _ERROR,
            },
            requestBody={"required": True, **_json({"$ref": "#/components/schemas/Credentials"})},
            security=[],
        ),
        "delete": _op(
            "Revoke the token of this call",
            {"204": {"description": "revoked"}, "401": _ERROR},
            security=_BEARER,
        ),
    },
    "/me": {
        "get": _op(
            "The caller's account and roles",
            {"200": {"description": "account", **_json({"type": "object"})}, "401": _ERROR},
            security=_BEARER,
        )
    },
    "/units": {
        "get": _op(
            "Units of the current year",
            {
                "200": {
                    "description": "units",
                    **_json({"type": "array", "items": {"$ref": "#/components/schemas/Unit"}}),
                },
                "401": _ERROR,
                "404": _ERROR,
            },
            security=_BEARER,
        )
    },
    "/openapi.json": {
        "get": _op("This document", {"200": {"description": "OpenAPI 3.1"}}, security=[])
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Jixiao API", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Credentials": {
                "type": "object",
                "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
            },
            "Token": {
                "type": "object",
                "required": ["token"],
                "properties": {
                    "token": {"type": "string"},
                    "token_type": {"type": "string"},
                    "expires_in": {"type": "integer"},
                },
            },
            "Unit": {
                "type": "object",
                "required": ["code", "name", "category"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "name_en": {"type": "string"},
                    "category": {
                        "type": "string",
                        "enum": [
                            "party_gov",
                            "economic",
                            "law_enforcement",
                            "social_service",
                            "people_org",
                            "central",
                        ],
                    },
                    "year": {"type": "integer"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "details": {},
                        },
                    }
                },
            },
        },
        "responses": {
            "Error": {"description": "error", **_json({"$ref": "#/components/schemas/Error"})}
        },
    },
}


@bp.get("/openapi.json")
def openapi_document() -> Any:
    """The OpenAPI 3.1 document."""
    return jsonify(DOCUMENT)
