"""Service operations a diagram's service task may name (`spiffworkflow:serviceTaskOperator`).

Each operation declares its parameters and calls one domain service with an explicit actor. An
operation missing from the registry is a deploy error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from app.auth.actor import Actor
from app.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _request_session() -> Session:
    # Imported on use: the sandbox's child process imports this module and needs no database.
    from app.extensions import db_session  # noqa: PLC0415

    return db_session()


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServiceCall:
    """What an operation receives: its evaluated parameters, who acts, the step's session and
    the step's moment. (`session` and `now` default to the request's session and the wall clock
    only for callers written before they were passed; the engine always passes both.)"""

    params: dict[str, Any]
    actor: Actor
    instance_id: int | None
    unit_id: int | None
    session: Session = field(default_factory=_request_session)
    now: datetime = field(default_factory=_wall_clock)

    def unit(self) -> int:
        """The instance's unit; InvalidInput when the instance was started without one."""
        if self.unit_id is None:
            raise InvalidInput(_("This procedure must be started for a unit."))
        return self.unit_id

    def year(self) -> int:
        """The `year` parameter; InvalidInput unless it is a year."""
        year = self.params.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise InvalidInput(_("year must be a year, such as 2026."))
        return year


@dataclass(frozen=True)
class Operation:
    """A named operation: its parameters (name → required) and the function that does it."""

    name: str
    description: str
    params: dict[str, bool]
    run: Callable[[ServiceCall], Any]


@dataclass
class OperationRegistry:
    """The operations the engine knows, by name."""

    operations: dict[str, Operation] = field(default_factory=dict)

    def register(self, operation: Operation) -> None:
        """Add an operation; names are unique."""
        if operation.name in self.operations:
            raise ValueError(f"operation {operation.name} registered twice")
        self.operations[operation.name] = operation

    def get(self, name: str) -> Operation | None:
        """The operation called `name`, if registered."""
        return self.operations.get(name)

    def problems(self, name: str, params: set[str]) -> list[str]:
        """Why a service task naming `name` with `params` would fail (empty if it would not)."""
        operation = self.get(name)
        if operation is None:
            return [f"operation {name!r} is not registered"]
        missing = sorted(
            p for p, required in operation.params.items() if required and p not in params
        )
        unknown = sorted(params - set(operation.params))
        return [f"parameter {p!r} is required by {name}" for p in missing] + [
            f"{name} takes no parameter {p!r}" for p in unknown
        ]


REGISTRY = OperationRegistry()
