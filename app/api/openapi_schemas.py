"""The data shapes of the API's OpenAPI description: its `components.schemas` and the task
actions' request bodies."""

from __future__ import annotations

from typing import Any

from app.api.scores import SCORE_TABLE_SCHEMA


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON body or response with this schema."""
    return {"content": {"application/json": {"schema": schema}}}


# The request bodies of the task actions that take one.
TASK_BODIES: dict[str, dict[str, Any]] = {
    "complete": {
        "required": True,
        **json_content(
            {
                "type": "object",
                "properties": {
                    "data": {
                        "type": ["object", "null"],
                        "description": "the form's fields; default {}",
                    }
                },
            }
        ),
    },
    "reassign": {
        "required": True,
        **json_content(
            {
                "type": "object",
                "required": ["username"],
                "properties": {"username": {"type": "string"}},
            }
        ),
    },
}

# The request bodies of the instance actions that take one.
INSTANCE_BODIES: dict[str, dict[str, Any]] = {
    "retry": {
        "required": False,
        **json_content(
            {
                "type": "object",
                "properties": {
                    "data": {
                        "type": ["object", "null"],
                        "description": "corrections to the data",
                    }
                },
            }
        ),
    },
    "terminate": {
        "required": False,
        **json_content(
            {
                "type": "object",
                "properties": {
                    "reason": {
                        "type": ["string", "null"],
                        "description": "kept to its first 500 characters",
                    }
                },
            }
        ),
    },
}


SCHEMAS: dict[str, Any] = {
    "Credentials": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string"},
            "password": {"type": "string"},
            "otp": {
                "type": "string",
                "description": "Authenticator or recovery code, for roles with MFA",
            },
        },
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
    "Me": {
        "type": "object",
        "required": ["username", "roles"],
        "properties": {
            "username": {"type": "string"},
            "roles": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["role", "unit_code"],
                    "properties": {
                        "role": {"type": "string"},
                        "unit_code": {
                            "type": ["string", "null"],
                            "description": "the unit's code (as GET /units gives it); "
                            "null for a role not tied to a unit",
                        },
                    },
                },
            },
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
    "Definition": {
        "type": "object",
        "required": ["key", "name", "version", "deployed_at"],
        "properties": {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "version": {"type": "integer"},
            "deployed_at": {"type": "string"},
        },
    },
    "Instance": {
        "type": "object",
        "required": ["id", "status", "tasks"],
        "properties": {
            "id": {"type": "integer"},
            "process_key": {"type": "string"},
            "version": {"type": "integer"},
            "status": {
                "type": "string",
                "enum": ["running", "waiting", "completed", "error", "terminated"],
            },
            "data": {"type": "object"},
            "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
            "events": {"type": "array"},
            "next_timer_at": {"type": ["string", "null"]},
            "error": {
                "type": ["object", "null"],
                "description": "set while the status is error: the message and the "
                "element (id and name) where it happened",
                "required": ["message", "element_id", "element_name"],
                "properties": {
                    "message": {"type": "string"},
                    "element_id": {"type": "string"},
                    "element_name": {"type": "string"},
                },
            },
        },
    },
    "Task": {
        "type": "object",
        "required": ["id", "instance_id", "name", "spec_id"],
        "properties": {
            "id": {"type": "string"},
            "instance_id": {"type": "integer"},
            "name": {"type": "string"},
            "spec_id": {"type": "string"},
            "lane": {"type": ["string", "null"]},
            "form": {},
            "due_at": {"type": ["string", "null"]},
            "follow_up_at": {
                "type": ["string", "null"],
                "description": "when the task's workers are reminded: the diagram's "
                "followUpDate, else 09:00 one working day before the due date",
            },
            "overdue": {"type": "boolean"},
            "data": {"type": "object"},
        },
    },
    "ScoreTable": SCORE_TABLE_SCHEMA,
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
}
