"""The year's key-task catalogue from a workbook: every bad row reported, nothing half-imported.

Template (first sheet, first row the headers, in Chinese or English): 序号 number, 任务名称
title, 任务来源 source, 目标要求 target (optional), 牵头单位 lead_unit, 责任单位 responsible_units.

Units are given by code (`FGW`) or full Chinese name; several responsible units are separated by
`、`, `,`, `，` or `;`. Each responsible unit gets a draft indicator for the key task.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import Conflict, InvalidInput
from app.indicators.models import (
    Indicator,
    IndicatorKind,
    IndicatorStatus,
    IndicatorVersion,
    KeyTask,
    KeyTaskUnit,
)
from app.org.models import Unit, UnitMembership

HEADERS = {
    "number": ("序号", "number"),
    "title": ("任务名称", "title"),
    "source": ("任务来源", "source"),
    "target": ("目标要求", "target"),
    "lead_unit": ("牵头单位", "lead_unit"),
    "responsible_units": ("责任单位", "responsible_units"),
}
_SEPARATORS = re.compile(r"[、,，;；\n]+")
MAX_ROWS = 2000


@dataclass(frozen=True)
class CatalogueRow:
    """One valid row: the key task and the units it concerns."""

    number: int
    title: str
    source: str
    target: str
    lead_unit_id: int
    responsible_unit_ids: tuple[int, ...]


def _columns(header: tuple[object, ...]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(header):
        text = str(cell or "").strip()
        for key, names in HEADERS.items():
            if text in names:
                found[key] = index
    missing = [HEADERS[k][0] for k in HEADERS if k not in found and k != "target"]
    if missing:
        message = _("The first row must name the columns; missing: %(m)s.", m="、".join(missing))
        raise InvalidInput(message, details=[{"row": 1, "message": message}])
    return found


def _unit_lookup(session: Session, year: int) -> dict[str, int]:
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.name_zh)
        .join(UnitMembership, UnitMembership.unit_id == Unit.id)
        .where(UnitMembership.year == year)
    )
    lookup: dict[str, int] = {}
    for unit_id, code, name in rows:
        lookup[code.upper()] = unit_id
        lookup[name] = unit_id
    return lookup


def _cell(row: tuple[object, ...], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    value = row[index] if index is not None and index < len(row) else None
    return "" if value is None else str(value).strip()


def _row_problems(
    row: tuple[object, ...],
    columns: dict[str, int],
    units: dict[str, int],
) -> tuple[CatalogueRow | None, list[str]]:
    problems = []
    number_text = _cell(row, columns, "number")
    number = int(float(number_text)) if re.fullmatch(r"\d+(\.0)?", number_text) else None
    if number is None:
        problems.append(_("The number must be a whole number."))
    title, source = _cell(row, columns, "title"), _cell(row, columns, "source")
    if not title:
        problems.append(_("The title is missing."))
    if not source:
        problems.append(_("The source is missing."))
    lead_name = _cell(row, columns, "lead_unit")
    lead = units.get(lead_name.upper()) or units.get(lead_name)
    if lead is None:
        problems.append(_("Unknown lead unit: %(u)s.", u=lead_name or "—"))
    names = [
        n.strip() for n in _SEPARATORS.split(_cell(row, columns, "responsible_units")) if n.strip()
    ]
    unknown = [n for n in names if (units.get(n.upper()) or units.get(n)) is None]
    if not names:
        problems.append(_("No responsible unit."))
    if unknown:
        problems.append(_("Unknown responsible unit(s): %(u)s.", u="、".join(unknown)))
    if problems or number is None or lead is None:
        return None, problems
    responsible = tuple(dict.fromkeys(units.get(n.upper()) or units[n] for n in names))
    return CatalogueRow(
        number, title[:300], source[:200], _cell(row, columns, "target"), lead, responsible
    ), []


def parse_catalogue(session: Session, content: bytes, year: int) -> list[CatalogueRow]:
    """The rows of a catalogue workbook; InvalidInput listing every bad row by its number."""
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        message = _("This is not an Excel workbook (.xlsx).")
        raise InvalidInput(message, details=[{"row": 0, "message": message}]) from None
    rows = sheet.iter_rows(values_only=True)
    columns = _columns(next(rows, ()))
    units = _unit_lookup(session, year)
    parsed: list[CatalogueRow] = []
    errors: list[dict[str, object]] = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS or not any(cell not in (None, "") for cell in row):
            continue
        valid, problems = _row_problems(row, columns, units)
        errors += [{"row": number, "message": p} for p in problems]
        if valid is not None:
            parsed.append(valid)
    numbers = [r.number for r in parsed]
    errors += [
        {"row": 0, "message": _("Number %(n)d appears twice.", n=n)}
        for n in sorted({n for n in numbers if numbers.count(n) > 1})
    ]
    if errors:
        raise InvalidInput(
            _("The catalogue has %(n)d problem(s); nothing was imported.", n=len(errors)),
            details=errors,
        )
    if not parsed:
        raise InvalidInput(_("The catalogue has no rows."), details=[])
    return parsed


def import_catalogue(
    session: Session, *, actor: Actor, year: int, rows: list[CatalogueRow], now: datetime
) -> int:
    """Create the key tasks and one draft indicator per responsible unit; returns the drafts."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    if session.execute(select(KeyTask.id).where(KeyTask.year == year).limit(1)).first():
        raise Conflict(_("The %(year)d catalogue has already been imported.", year=year))
    drafts = 0
    for row in rows:
        task = KeyTask(
            year=year,
            number=row.number,
            title=row.title,
            source=row.source,
            target=row.target,
            lead_unit_id=row.lead_unit_id,
            imported_at=now,
        )
        session.add(task)
        session.flush()
        for unit_id in row.responsible_unit_ids:
            session.add(KeyTaskUnit(key_task_id=task.id, unit_id=unit_id))
            indicator = Indicator(
                year=year,
                unit_id=unit_id,
                kind=IndicatorKind.KEY_TASK,
                key_task_id=task.id,
                status=IndicatorStatus.DRAFT,
                current_version=1,
                created_at=now,
            )
            indicator.versions.append(
                IndicatorVersion(
                    number=1,
                    title=row.title,
                    source=row.source,
                    target=row.target,
                    created_at=now,
                    created_by_id=actor.user_id,
                )
            )
            session.add(indicator)
            drafts += 1
    session.flush()
    record(
        session,
        actor=actor,
        action="indicators.catalogue_import",
        object_type="year",
        object_id=year,
        after={"key_tasks": len(rows), "drafts": drafts},
        now=now,
    )
    return drafts
