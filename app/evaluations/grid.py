"""The rating grid shared by provincial leaders (Leader), the leading group and the lead units
(L): every unit of the year (for a lead unit, every unit responsible for a key task it leads)
scored 0–100 or abstained from, kept as a draft until submitted; only the office reopens a
submitted sheet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Permission, Role
from app.auth.services import require
from app.errors import AccessDenied, Conflict, InvalidInput, NotFound
from app.evaluations.marks import parse_score, unit_error
from app.evaluations.models import RatingMark, RatingSheet, SheetKind, SheetStatus
from app.indicators.models import KeyTask, KeyTaskUnit
from app.org.models import Unit, UnitMembership
from app.org.services import memberships

TOP_SCORE = Decimal(100)
RATER_ROLES = {
    SheetKind.LEADER: Role.PROVINCIAL_LEADER,
    SheetKind.LEADING_GROUP: Role.LEADING_GROUP,
    SheetKind.LEAD_UNIT: Role.UNIT_STAFF,
}


@dataclass(frozen=True)
class GridEntry:
    """What a rater typed for one unit: a score (may be blank) and the abstain box."""

    score: str = ""
    abstain: bool = False


@dataclass(frozen=True)
class Grid:
    """A rater's sheet of a year with the year's units, by category."""

    sheet: RatingSheet | None
    units: Sequence[UnitMembership]
    marks: dict[int, RatingMark]
    rating_unit: Unit | None = None  # the lead unit whose sheet it is

    @property
    def submitted(self) -> bool:
        """Whether the rater has submitted the sheet."""
        return self.sheet is not None and self.sheet.status is SheetStatus.SUBMITTED

    @property
    def left(self) -> int:
        """Units neither scored nor abstained from."""
        return sum(1 for m in self.units if not _is_done(self.marks.get(m.unit_id)))


def _is_done(mark: RatingMark | None) -> bool:
    return mark is not None and (mark.abstained or mark.score is not None)


def check_rater(actor: Actor, kind: SheetKind) -> None:
    """AccessDenied unless the actor holds the role that fills sheets of `kind`."""
    if RATER_ROLES[kind] not in actor.roles or actor.user_id is None:
        raise AccessDenied(_("Only %(who)s fill this sheet.", who=RATER_ROLES[kind].label))


def find_sheet(session: Session, year: int, kind: SheetKind, rater_id: int) -> RatingSheet | None:
    """The rater's sheet of the year, if started."""
    return session.execute(
        select(RatingSheet).where(
            RatingSheet.year == year, RatingSheet.kind == kind, RatingSheet.rater_id == rater_id
        )
    ).scalar_one_or_none()


def find_unit_sheet(session: Session, year: int, unit_id: int) -> RatingSheet | None:
    """The lead unit's sheet of the year, if started."""
    return session.execute(
        select(RatingSheet).where(
            RatingSheet.year == year,
            RatingSheet.kind == SheetKind.LEAD_UNIT,
            RatingSheet.unit_id == unit_id,
        )
    ).scalar_one_or_none()


def led_unit_ids(session: Session, year: int) -> dict[int, set[int]]:
    """Per lead unit of the year: the other units responsible for the key tasks it leads."""
    led: dict[int, set[int]] = {}
    for lead_id, unit_id in session.execute(
        select(KeyTask.lead_unit_id, KeyTaskUnit.unit_id)
        .join(KeyTaskUnit, KeyTaskUnit.key_task_id == KeyTask.id)
        .where(KeyTask.year == year, KeyTaskUnit.unit_id != KeyTask.lead_unit_id)
    ).all():
        led.setdefault(lead_id, set()).add(unit_id)
    return led


def rating_unit(session: Session, actor: Actor, year: int, unit_code: str | None) -> Unit:
    """The lead unit whose sheet the actor (its staff) fills: `unit_code`, or their one unit
    that leads key tasks of the year."""
    leads = led_unit_ids(session, year)
    own = sorted(u for u in actor.unit_ids_for(Role.UNIT_STAFF) if u in leads)
    if unit_code:
        unit = session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
        if unit is None or unit.id not in actor.unit_ids_for(Role.UNIT_STAFF):
            raise AccessDenied(_("Only the staff of the lead unit fill its sheet."))
        if unit.id not in leads:
            raise NotFound(_("This unit leads no key task in %(year)d.", year=year))
        return unit
    if len(own) != 1:
        raise AccessDenied(
            _("Your unit leads no key task in %(year)d.", year=year)
            if not own
            else _("Choose which of your units' sheets to fill.")
        )
    unit = session.get(Unit, own[0])
    assert unit is not None
    return unit


def grid_for(
    session: Session, actor: Actor, year: int, kind: SheetKind, unit_code: str | None = None
) -> Grid:
    """The actor's grid of the year (an empty one before the first save); a lead unit's grid
    (`unit_code`, or the actor's lead unit) lists only the units it leads."""
    check_rater(actor, kind)
    assert actor.user_id is not None  # checked by check_rater
    if kind is SheetKind.LEAD_UNIT:
        unit = rating_unit(session, actor, year, unit_code)
        led = led_unit_ids(session, year)[unit.id]
        units = [m for m in memberships(session, year) if m.unit_id in led]
        sheet = find_unit_sheet(session, year, unit.id)
        marks = {m.unit_id: m for m in sheet.marks} if sheet else {}
        return Grid(sheet, units, marks, unit)
    sheet = find_sheet(session, year, kind, actor.user_id)
    marks = {m.unit_id: m for m in sheet.marks} if sheet else {}
    return Grid(sheet, memberships(session, year), marks)


def _read_entries(
    units: Sequence[UnitMembership], entries: Mapping[str, GridEntry], submit: bool
) -> dict[int, tuple[Decimal | None, bool]]:
    """Each unit's (score, abstained); InvalidInput naming every bad or, on submit, missing one."""
    values: dict[int, tuple[Decimal | None, bool]] = {}
    errors = []
    for membership in units:
        unit = membership.unit
        entry = entries.get(unit.code, GridEntry())
        score = None
        try:
            if entry.abstain and entry.score.strip():
                raise InvalidInput(_("Give a score or abstain, not both."))
            if entry.score.strip():
                score = parse_score(entry.score, TOP_SCORE)
            elif submit and not entry.abstain:
                raise InvalidInput(_("Score this unit or abstain."))
        except InvalidInput as error:
            errors.append(unit_error(unit.code, unit.name_zh, error.message))
            continue
        values[unit.id] = (score, entry.abstain)
    if errors:
        raise InvalidInput(_("Please correct the marked units."), details=errors)
    return values


def save_grid(
    session: Session,
    *,
    actor: Actor,
    year: int,
    kind: SheetKind,
    entries: Mapping[str, GridEntry],
    submit: bool,
    now: datetime,
    unit_code: str | None = None,
) -> RatingSheet:
    """Save the rater's entries as a draft, or submit them (every unit scored or abstained);
    `unit_code` names the lead unit for a lead unit's sheet."""
    grid = grid_for(session, actor, year, kind, unit_code)
    if grid.submitted:
        raise Conflict(
            _("This sheet has been submitted; only the performance office can reopen it.")
        )
    values = _read_entries(grid.units, entries, submit)
    sheet = grid.sheet
    if sheet is None:
        assert actor.user_id is not None
        sheet = RatingSheet(
            year=year,
            kind=kind,
            rater_id=actor.user_id,
            unit_id=grid.rating_unit.id if grid.rating_unit else None,
            status=SheetStatus.DRAFT,
            created_at=now,
        )
        session.add(sheet)
    before = _summary(grid.marks.values())
    for unit_id, (score, abstained) in values.items():
        mark = grid.marks.get(unit_id)
        if mark is None:
            mark = RatingMark(unit_id=unit_id)
            sheet.marks.append(mark)
        mark.score, mark.abstained = score, abstained
    if submit:
        sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, now
    session.flush()
    record(
        session,
        actor=actor,
        action=f"evaluation_sheet.{'submit' if submit else 'save'}",
        object_type="evaluation_sheet",
        object_id=sheet.id,
        before=before,
        after={**_summary(sheet.marks), "status": sheet.status},
        now=now,
    )
    return sheet


def _summary(marks: Iterable[RatingMark]) -> dict[str, object]:
    rows = list(marks)
    return {
        "scores": {str(m.unit_id): str(m.score) for m in rows if m.score is not None},
        "abstained": sorted(m.unit_id for m in rows if m.abstained),
    }


def reopen_sheet(
    session: Session, *, actor: Actor, sheet_id: int, reason: str, now: datetime
) -> RatingSheet:
    """The office sends a submitted sheet back to its rater as a draft, with a reason."""
    require(actor, Permission.RUN_CYCLE)
    sheet = session.get(RatingSheet, sheet_id)
    if sheet is None:
        raise NotFound(_("No such sheet."))
    if sheet.status is not SheetStatus.SUBMITTED:
        raise Conflict(_("This sheet is not submitted."))
    if not reason.strip():
        message = _("Give the reason for reopening.")
        raise InvalidInput(message, details=[{"path": "reason", "message": message}])
    sheet.status, sheet.reopen_reason = SheetStatus.DRAFT, reason.strip()
    record(
        session,
        actor=actor,
        action="evaluation_sheet.reopen",
        object_type="evaluation_sheet",
        object_id=sheet.id,
        before={"status": SheetStatus.SUBMITTED, "submitted_at": sheet.submitted_at},
        after={"status": SheetStatus.DRAFT, "reason": sheet.reopen_reason},
        now=now,
    )
    sheet.submitted_at = None
    return sheet


def sheets_of_year(session: Session, year: int, kind: SheetKind) -> Sequence[RatingSheet]:
    """Every sheet of the year and kind (for the office and the aggregates)."""
    return (
        session.execute(
            select(RatingSheet)
            .where(RatingSheet.year == year, RatingSheet.kind == kind)
            .order_by(RatingSheet.id)
        )
        .scalars()
        .all()
    )


def rater_names(session: Session) -> dict[int, str]:
    """Display names of every account that has a sheet."""
    rows = session.execute(
        select(User.id, User.display_name).join(RatingSheet, RatingSheet.rater_id == User.id)
    ).all()
    return {user_id: name for user_id, name in rows}


def sheet_unit_names(session: Session, year: int) -> dict[int, str]:
    """Names of the lead units with a sheet in the year, by unit id."""
    rows = session.execute(
        select(Unit.id, Unit.name_zh)
        .join(RatingSheet, RatingSheet.unit_id == Unit.id)
        .where(RatingSheet.year == year)
    ).all()
    return {unit_id: name for unit_id, name in rows}
