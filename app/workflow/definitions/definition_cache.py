"""The runtime facts of deployed process versions, read once per process: a deployed version
never changes, so a cached entry never goes stale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.workflow.instances.serialization import forget_specs
from app.workflow.models import ProcessDefinition


@dataclass(frozen=True)
class DefinitionInfo:
    """What running an instance needs of its (immutable) process version."""

    id: int
    key: str
    version: int
    dialect: str
    spec_json: str
    task_settings: dict[str, Any]
    uses_lanes: bool

    @property
    def spec_key(self) -> tuple[int, str, int, int]:
        """Identifies the spec text, so restored specs are shared only when identical."""
        return (self.id, self.key, self.version, hash(self.spec_json))


# Keyed by database and id: a deployed version never changes, so entries never go stale.
_DEFINITIONS: dict[tuple[str, int], DefinitionInfo] = {}
_DEFINITIONS_KEPT = 256


def forget_definitions() -> None:
    """Drop cached versions (for tests that recreate a database under the same URL)."""
    _DEFINITIONS.clear()
    forget_specs()


def definition_info(session: Session, definition_id: int) -> DefinitionInfo:
    """The process version's runtime facts, read once per process (versions never change)."""
    cache_key = (str(session.get_bind().engine.url), definition_id)
    cached = _DEFINITIONS.get(cache_key)
    if cached is not None:
        return cached
    row = session.execute(
        select(ProcessDefinition)
        .where(ProcessDefinition.id == definition_id)
        .options(undefer(ProcessDefinition.spec_json))
    ).scalar_one()
    info = DefinitionInfo(
        row.id,
        row.key,
        row.version,
        row.dialect,
        row.spec_json,
        dict(row.task_settings),
        row.uses_lanes,
    )
    if len(_DEFINITIONS) >= _DEFINITIONS_KEPT:
        _DEFINITIONS.clear()
    _DEFINITIONS[cache_key] = info
    return info
