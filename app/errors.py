"""Domain exceptions. Services raise them; pages and the API map them to messages and statuses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user or a diagram can cause; never a 500."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """The input breaks a rule; `details` lists the fields and their messages."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does."""

    status = 404
    code = "not_found"


class HiddenFromActor(NotFound):
    """The object exists but belongs to someone the actor may not see: answered exactly like
    NotFound (no hint that it exists), and written to the audit trail as a refusal."""


class AccessDenied(DomainError):
    """The actor may not do this; every refusal is written to the audit trail."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The state changed under the caller, or the thing was already done."""

    status = 409
    code = "conflict"


class AuthenticationFailed(DomainError):
    """Sign-in or token check failed; the message never says which part was wrong."""

    status = 401
    code = "unauthenticated"
