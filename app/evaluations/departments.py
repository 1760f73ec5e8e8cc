"""Departmental evaluation (§14(三)): each item is owned by one department account, which enters
every unit's score on the item's scale or marks the unit as not taking part, by hand or from a
workbook. The office assigns the items and sees how complete each one is."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Permission, Role
from app.auth.services import require
from app.errors import AccessDenied, InvalidInput
from app.evaluations.marks import parse_score, unit_error
from app.evaluations.models import DepartmentItem, DepartmentScore, ItemOwner
from app.org.models import UnitMembership
from app.org.services import memberships

NOT_TAKING_PART = "不参加"
TEMPLATE_HEADER = ("单位代码", "单位名称", "得分", "不参加（填“是”）")


@dataclass(frozen=True)
class ItemEntry:
    """What the department typed for one unit: a score (may be blank) or not taking part."""

    score: str = ""
    not_taking_part: bool = False


@dataclass(frozen=True)
class ItemProgress:
    """How far an item of a year is entered, for the office."""

    item: DepartmentItem
    owner: User | None
    entered: int
    total: int

    @property
    def complete(self) -> bool:
        """Whether every unit has a score or is marked as not taking part."""
        return self.entered >= self.total


def owner_of(session: Session, item: DepartmentItem) -> User | None:
    """The department account that owns the item, if assigned."""
    row = session.get(ItemOwner, item)
    return session.get(User, row.user_id) if row else None


def owned_items(session: Session, user_id: int) -> list[DepartmentItem]:
    """The items a department account owns."""
    rows = session.execute(select(ItemOwner.item).where(ItemOwner.user_id == user_id)).scalars()
    return sorted(rows, key=list(DepartmentItem).index)


def check_owner(session: Session, actor: Actor, item: DepartmentItem) -> None:
    """AccessDenied unless the actor is the department that owns the item."""
    owner = owner_of(session, item)
    if Role.DEPT_ASSESSOR in actor.roles and owner is not None and owner.id == actor.user_id:
        return
    holder = owner.display_name if owner else _("no department yet")
    raise AccessDenied(
        _("%(item)s is entered by %(owner)s; you cannot enter it.", item=item.label, owner=holder)
    )


def assign_item(
    session: Session, *, actor: Actor, item: DepartmentItem, username: str, now: datetime
) -> ItemOwner:
    """The office gives an item to a department account (holding `dept_assessor`)."""
    require(actor, Permission.RUN_CYCLE)
    user = session.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()
    if user is None or Role.DEPT_ASSESSOR not in {g.role for g in user.grants}:
        message = _("Choose an account of an assessing department.")
        raise InvalidInput(message, details=[{"path": "username", "message": message}])
    row = session.get(ItemOwner, item)
    before = {"user_id": row.user_id} if row else None
    if row is None:
        row = ItemOwner(item=item, user_id=user.id)
        session.add(row)
    row.user_id, row.assigned_by_id, row.assigned_at = user.id, actor.user_id, now
    record(
        session,
        actor=actor,
        action="department_item.assign",
        object_type="department_item",
        object_id=item.value,
        before=before,
        after={"user_id": user.id},
        now=now,
    )
    return row


def item_scores(session: Session, year: int, item: DepartmentItem) -> dict[int, DepartmentScore]:
    """The item's entered rows of the year, by unit id."""
    rows = session.execute(
        select(DepartmentScore).where(DepartmentScore.year == year, DepartmentScore.item == item)
    ).scalars()
    return {row.unit_id: row for row in rows}


def _read_entries(
    units: Sequence[UnitMembership], item: DepartmentItem, entries: Mapping[str, ItemEntry]
) -> dict[int, tuple[bool, Decimal | None]]:
    """(entered, actual) per unit named; InvalidInput naming every bad entry."""
    values: dict[int, tuple[bool, Decimal | None]] = {}
    errors = []
    for membership in units:
        unit = membership.unit
        entry = entries.get(unit.code)
        if entry is None:
            continue
        try:
            if entry.not_taking_part and entry.score.strip():
                raise InvalidInput(_("Give a score or mark the unit as not taking part, not both."))
            actual = parse_score(entry.score, item.full_marks) if entry.score.strip() else None
        except InvalidInput as error:
            errors.append(unit_error(unit.code, unit.name_zh, error.message))
            continue
        values[unit.id] = (entry.not_taking_part or actual is not None, actual)
    if errors:
        raise InvalidInput(_("Please correct the marked units."), details=errors)
    return values


def save_item(
    session: Session,
    *,
    actor: Actor,
    year: int,
    item: DepartmentItem,
    entries: Mapping[str, ItemEntry],
    now: datetime,
) -> int:
    """Store the department's entries for the item (all or nothing); returns the rows entered.
    A unit left blank keeps no row (not yet entered)."""
    check_owner(session, actor, item)
    values = _read_entries(memberships(session, year), item, entries)
    rows = item_scores(session, year, item)
    before = {str(k): _shown(v.actual) for k, v in rows.items()}
    for unit_id, (entered, actual) in values.items():
        row = rows.get(unit_id)
        if not entered:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = DepartmentScore(year=year, item=item, unit_id=unit_id)
            session.add(row)
        row.actual, row.entered_by_id, row.entered_at = actual, actor.user_id, now
    session.flush()
    after = item_scores(session, year, item)
    record(
        session,
        actor=actor,
        action="department_item.save",
        object_type="department_item",
        object_id=f"{year}:{item.value}",
        before=before,
        after={str(k): _shown(v.actual) for k, v in after.items()},
        now=now,
    )
    return len(after)


def correct_score(
    session: Session,
    *,
    actor: Actor,
    year: int,
    item: DepartmentItem,
    unit_id: int,
    actual: str,
    reason: str,
    now: datetime,
) -> DepartmentScore:
    """The office changes a unit's entered score on an item (an upheld appeal's correction),
    audited with the score before and after and the reason."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    row = item_scores(session, year, item).get(unit_id)
    if row is None or row.actual is None:
        raise InvalidInput(
            _("%(item)s has no score of this unit to correct.", item=item.label),
            details=[{"path": "item", "message": item.value}],
        )
    before, row.actual = row.actual, parse_score(actual, item.full_marks)
    record(
        session,
        actor=actor,
        action="department_item.correct",
        object_type="department_score",
        object_id=row.id,
        before={"item": item.value, "unit_id": unit_id, "actual": str(before)},
        after={"item": item.value, "unit_id": unit_id, "actual": str(row.actual), "reason": reason},
        now=now,
    )
    return row


def _shown(actual: Decimal | None) -> str:
    return NOT_TAKING_PART if actual is None else str(actual)


def template_workbook(session: Session, year: int, item: DepartmentItem) -> bytes:
    """An xlsx with one row per unit of the year, the scores entered so far filled in."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = item.value
    sheet.append(TEMPLATE_HEADER)
    rows = item_scores(session, year, item)
    for membership in memberships(session, year):
        row = rows.get(membership.unit_id)
        score = "" if row is None or row.actual is None else str(row.actual)
        skip = "是" if row is not None and row.actual is None else ""
        sheet.append((membership.unit.code, membership.unit.name_zh, score, skip))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _row_problem(
    cells: list[str],
    codes: Mapping[str, object],
    entries: Mapping[str, ItemEntry],
    item: DepartmentItem,
    year: int,
) -> str | None:
    """What is wrong with one workbook row, if anything."""
    code, score, skip = cells[0], cells[2], cells[3]
    problem: str | None = None
    if code not in codes:
        problem = _("no unit with code %(code)s in %(year)d", code=code or "—", year=year)
    elif code in entries:
        problem = _("unit %(code)s appears twice", code=code)
    elif skip not in ("", "是", "否"):
        problem = _("the last column takes 是 or nothing")
    elif score and skip == "是":
        problem = _("Give a score or mark the unit as not taking part, not both.")
    elif score:
        try:
            parse_score(score, item.full_marks)
        except InvalidInput as error:
            problem = error.message
    return problem


def read_workbook(
    session: Session, year: int, item: DepartmentItem, data: bytes
) -> dict[str, ItemEntry]:
    """The entries of an uploaded workbook; InvalidInput naming every bad row by its number."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        message = _("The file is not an xlsx workbook.")
        raise InvalidInput(message, details=[{"path": "file", "message": message}]) from None
    sheet = workbook.worksheets[0]
    codes = {m.unit.code: m.unit for m in memberships(session, year)}
    entries: dict[str, ItemEntry] = {}
    errors = []
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = [_cell(v) for v in (*row, None, None, None, None)[:4]]
        code, _name, score, skip = cells
        if not any(cells):
            continue
        problem = _row_problem(cells, codes, entries, item, year)
        if problem:
            message = _("Row %(n)d: %(problem)s", n=number, problem=problem)
            errors.append({"path": f"row {number}", "message": message})
            continue
        entries[code] = ItemEntry(score=score, not_taking_part=skip == "是")
    workbook.close()
    if errors:
        raise InvalidInput(_("Nothing was imported; correct these rows."), details=errors)
    return entries


def is_complete(session: Session, year: int, item: DepartmentItem) -> bool:
    """Whether every unit of the year has the item entered (a score or not taking part)."""
    return len(item_scores(session, year, item)) >= len(memberships(session, year))


def progress_by_item(session: Session, year: int) -> list[ItemProgress]:
    """Each item's owner and how many of the year's units it has entered."""
    total = len(memberships(session, year))
    counts: dict[DepartmentItem, int] = {
        item: count
        for item, count in session.execute(
            select(DepartmentScore.item, func.count())
            .where(DepartmentScore.year == year)
            .group_by(DepartmentScore.item)
        ).tuples()
    }
    return [
        ItemProgress(item, owner_of(session, item), int(counts.get(item, 0)), total)
        for item in DepartmentItem
    ]
