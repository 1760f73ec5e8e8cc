"""Free-text search over the work lists: a task's name, its process's name, its unit's name or
code, and an instance's number."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from app.org.models import Unit
from app.workflow.models import HumanTask, ProcessDefinition, ProcessInstance

MAX_SEARCH = 100


def _pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def instances_matching(text: str) -> ColumnElement[bool]:
    """ProcessInstance rows whose process or unit is named by `text`, or whose number it is."""
    pattern = _pattern(text.strip()[:MAX_SEARCH])
    named = or_(
        ProcessDefinition.name.ilike(pattern, escape="\\"),
        Unit.name_zh.ilike(pattern, escape="\\"),
        Unit.code.ilike(pattern, escape="\\"),
    )
    ids = (
        select(ProcessInstance.id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Unit, Unit.id == ProcessInstance.unit_id)
        .where(named)
    )
    condition: ColumnElement[bool] = ProcessInstance.id.in_(ids)
    number = text.strip().lstrip("#")
    if number.isdigit() and len(number) <= 12:
        condition = or_(condition, ProcessInstance.id == int(number))
    return condition


def tasks_matching(text: str) -> ColumnElement[bool]:
    """HumanTask rows named by `text`, or in an instance `instances_matching` finds."""
    pattern = _pattern(text.strip()[:MAX_SEARCH])
    in_instance = select(ProcessInstance.id).where(instances_matching(text))
    return or_(HumanTask.name.ilike(pattern, escape="\\"), HumanTask.instance_id.in_(in_instance))
