"""GET /openapi.json: the OpenAPI 3.1 description of this API; a test keeps it true."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.openapi_schemas import INSTANCE_BODIES, SCHEMAS, TASK_BODIES, json_content
from app.web.bounds import DATABASE_INT_MAX
from app.workflow.tasks.inbox import MAX_PAGE

_ERROR = {"$ref": "#/components/responses/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _ERROR for status in statuses}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": responses, **extra}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _id_path(name: str, maximum: int = DATABASE_INT_MAX) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1, "maximum": maximum}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _task_action(summary: str, action: str) -> dict[str, Any]:
    body = {"requestBody": TASK_BODIES[action]} if action in TASK_BODIES else {}
    return _op(
        summary,
        {
            "200": {"description": "done"},
            **_errors(400, 401, 403, 404, 409, 422),
        },
        security=_BEARER,
        parameters=[_path("task_id")],
        **body,
    )


PATHS: dict[str, dict[str, Any]] = {
    "/auth/token": {
        "post": _op(
            "Exchange user name and password for a bearer token",
            {
                "200": {
                    "description": "token",
                    **json_content({"$ref": "#/components/schemas/Token"}),
                },
                **_errors(400, 401, 403, 422, 429),
            },
            requestBody={
                "required": True,
                **json_content({"$ref": "#/components/schemas/Credentials"}),
            },
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
            {
                "200": {
                    "description": "account",
                    **json_content({"$ref": "#/components/schemas/Me"}),
                },
                "401": _ERROR,
            },
            security=_BEARER,
        )
    },
    "/units": {
        "get": _op(
            "Units of the current year",
            {
                "200": {
                    "description": "units",
                    **json_content(
                        {"type": "array", "items": {"$ref": "#/components/schemas/Unit"}}
                    ),
                },
                **_errors(401, 404),
            },
            security=_BEARER,
        )
    },
    "/process-definitions": {
        "get": _op(
            "Deployed definitions, every version",
            {
                "200": {
                    "description": "list",
                    **json_content(
                        {"type": "array", "items": {"$ref": "#/components/schemas/Definition"}}
                    ),
                },
                **_errors(401, 403),
            },
            security=_BEARER,
        ),
        "post": _op(
            "Deploy BPMN/DMN files as new versions",
            {
                "201": {
                    "description": "deployed",
                    **json_content({"type": "object", "required": ["key", "version", "warnings"]}),
                },
                **_errors(400, 401, 403, 413, 422),
            },
            requestBody={
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "file": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                }
                            },
                        }
                    }
                },
            },
            security=_BEARER,
        ),
    },
    "/process-instances": {
        "post": _op(
            "Start an instance",
            {
                "201": {
                    "description": "started",
                    **json_content({"$ref": "#/components/schemas/Instance"}),
                },
                **_errors(400, 401, 403, 404, 422),
            },
            requestBody={
                "required": True,
                **json_content(
                    {
                        "type": "object",
                        "required": ["process_key"],
                        "properties": {
                            "process_key": {"type": "string", "minLength": 1},
                            "version": {
                                "type": ["integer", "null"],
                                "minimum": 1,
                                "maximum": DATABASE_INT_MAX,
                            },
                            "unit_code": {"type": ["string", "null"]},
                            "data": {"type": ["object", "null"]},
                        },
                    }
                ),
            },
            security=_BEARER,
        )
    },
    "/process-instances/{instance_id}": {
        "get": _op(
            "An instance with data, open tasks and events",
            {
                "200": {
                    "description": "instance",
                    **json_content({"$ref": "#/components/schemas/Instance"}),
                },
                **_errors(401, 404),
            },
            security=_BEARER,
            parameters=[_id_path("instance_id")],
        )
    },
    "/process-instances/{instance_id}/retry": {
        "post": _op(
            "Retry the failed step, optionally with corrected data (office staff)",
            {
                "200": {"description": "instance"},
                **_errors(400, 401, 403, 404, 409),
            },
            security=_BEARER,
            parameters=[_id_path("instance_id")],
            requestBody=INSTANCE_BODIES["retry"],
        )
    },
    "/process-instances/{instance_id}/terminate": {
        "post": _op(
            "Terminate the instance (office staff)",
            {
                "200": {"description": "instance"},
                **_errors(400, 401, 403, 404, 409),
            },
            security=_BEARER,
            parameters=[_id_path("instance_id")],
            requestBody=INSTANCE_BODIES["terminate"],
        )
    },
    "/tasks": {
        "get": _op(
            "The caller's inbox",
            {
                "200": {
                    "description": "tasks",
                    **json_content(
                        {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}
                    ),
                },
                **_errors(400, 401, 403),
            },
            security=_BEARER,
            parameters=[
                {
                    "name": "overdue",
                    "in": "query",
                    "description": "1 or true: overdue tasks only",
                    "schema": {"type": "string", "enum": ["0", "1", "false", "true"]},
                },
                {"name": "process_key", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "q",
                    "in": "query",
                    "description": "free text: the task's, its process's or its unit's name",
                    "schema": {"type": "string", "maxLength": 100},
                },
                {
                    "name": "due_before",
                    "in": "query",
                    "description": "tasks due by then: a date (its end, UTC+8) or an ISO 8601 "
                    "date-time (UTC+8 without an offset)",
                    "schema": {
                        "anyOf": [
                            {"type": "string", "format": "date"},
                            {"type": "string", "format": "date-time"},
                        ]
                    },
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_PAGE,
                        "default": 100,
                    },
                },
                {
                    "name": "offset",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 0,
                        "maximum": DATABASE_INT_MAX,
                        "default": 0,
                    },
                },
            ],
        )
    },
    "/tasks/{task_id}": {
        "get": _op(
            "One task with its form and starting data",
            {
                "200": {
                    "description": "task",
                    **json_content({"$ref": "#/components/schemas/Task"}),
                },
                **_errors(401, 404),
            },
            security=_BEARER,
            parameters=[_path("task_id")],
        )
    },
    "/tasks/{task_id}/claim": {"post": _task_action("Claim the task", "claim")},
    "/tasks/{task_id}/unclaim": {"post": _task_action("Release the task", "unclaim")},
    "/tasks/{task_id}/reassign": {
        "post": _task_action("Give the task to a named user", "reassign")
    },
    "/tasks/{task_id}/complete": {
        "post": _task_action("Complete the task with {data}; 422 lists field errors", "complete")
    },
    "/tasks/{task_id}/files": {
        "post": _op(
            "Upload a file for the task's form; the id is the file field's value",
            {
                "201": {
                    "description": "stored",
                    **json_content(
                        {
                            "type": "object",
                            "required": ["id", "name", "size", "sha256", "content_type"],
                        }
                    ),
                },
                **_errors(400, 401, 403, 404, 409, 413, 422),
            },
            security=_BEARER,
            parameters=[_path("task_id")],
            requestBody={
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
        )
    },
    "/years/{year}/scores": {
        "get": _op(
            "The year's latest stored score table and grade proposal",
            {
                "200": {
                    "description": "score table",
                    **json_content({"$ref": "#/components/schemas/ScoreTable"}),
                },
                **_errors(401, 403, 404),
            },
            security=_BEARER,
            parameters=[_id_path("year", maximum=9999)],
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
        "schemas": SCHEMAS,
        "responses": {
            "Error": {
                "description": "error",
                **json_content({"$ref": "#/components/schemas/Error"}),
            }
        },
    },
}


@bp.get("/openapi.json")
def openapi_document() -> Any:
    """The OpenAPI 3.1 document."""
    return jsonify(DOCUMENT)
