"""The working-day calendar in force: the package's official data, overridden by the office's
entries; importing a year's entries; the years still computed provisionally."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, extract, select, update
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.models import CalendarDay, CalendarRevision, DayKind
from app.calendar.workdays import WorkdayCalendar, package_covers
from app.errors import InvalidInput

_REVISION_ROW = 1
_READ_REVISION = select(CalendarRevision.__table__.c.token).where(
    CalendarRevision.__table__.c.id == bindparam("row")
)


@dataclass(frozen=True)
class _CachedEntries:
    token: str | None
    overrides: dict[date, bool]
    entered_years: frozenset[int]


_cache: dict[str, _CachedEntries] = {}


def forget_calendar() -> None:
    """Drop the cached entries (in tests that recreate a database under the same URL)."""
    _cache.clear()


def calendar_revision(session: Session) -> str | None:
    """The token of the calendar's current content (one primary-key read)."""
    # Core on the session's connection: the ORM's result machinery would cost more than the read.
    token: str | None = (
        session.connection().execute(_READ_REVISION, {"row": _REVISION_ROW}).scalar_one_or_none()
    )
    return token


def _bump_revision(session: Session, now: datetime) -> None:
    token = uuid.uuid4().hex
    changed = session.execute(
        update(CalendarRevision)
        .where(CalendarRevision.id == _REVISION_ROW)
        .values(token=token, changed_at=now)
        .returning(CalendarRevision.id)
    ).scalar_one_or_none()
    if changed is None:  # the migration writes the row; should it be gone, write it again
        session.add(CalendarRevision(id=_REVISION_ROW, token=token, changed_at=now))
    session.flush()


def calendar_source(session: Session) -> Callable[[], WorkdayCalendar]:
    """New calendars over the package data and the office's entries as they are now. The entries
    are cached per process and read again as soon as the calendar's revision token differs, so a
    change made in any process counts from the next computation; a current cache costs one small
    read, made here once for every calendar the source gives (a batch of engine steps)."""
    key = str(session.get_bind().engine.url)
    token = calendar_revision(session)
    cached = _cache.get(key)
    if cached is None or cached.token != token:
        rows = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
        overrides = {day: kind is DayKind.WORKDAY for day, kind in rows}
        cached = _CachedEntries(token, overrides, frozenset(d.year for d in overrides))
        _cache[key] = cached
    entries = cached

    def calendar() -> WorkdayCalendar:  # each its own: a computation notes its guesses in it
        return WorkdayCalendar(
            overrides=dict(entries.overrides), entered_years=entries.entered_years
        )

    return calendar


def working_calendar(session: Session) -> WorkdayCalendar:
    """A calendar over the package data and the office's current entries (`calendar_source`)."""
    return calendar_source(session)()


def year_is_known(session: Session, year: int) -> bool:
    """Whether official data exists for `year` (package or office entries)."""
    return working_calendar(session).year_is_known(year)


@dataclass(frozen=True)
class DayEntry:
    """One row of a calendar file."""

    day: date
    kind: DayKind
    note: str


def parse_calendar_csv(text: str) -> list[DayEntry]:
    """The rows of a `date,kind,note` file; InvalidInput listing every bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames[:2]] != ["date", "kind"]:
        message = _("The first line must be the header date,kind,note.")
        raise InvalidInput(message, details=[{"line": 1, "message": message}])
    entries, errors = [], []
    for line, row in enumerate(reader, start=2):
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
            kind = DayKind((row.get("kind") or "").strip())
        except ValueError:
            errors.append(
                {"line": line, "message": _("Expected YYYY-MM-DD and holiday or workday.")}
            )
            continue
        entries.append(DayEntry(day, kind, (row.get("note") or "").strip()[:200]))
    duplicates = {e.day for e in entries if sum(1 for o in entries if o.day == e.day) > 1}
    errors += [
        {"line": 0, "message": _("%(day)s appears twice.", day=d.isoformat())}
        for d in sorted(duplicates)
    ]
    if errors:
        raise InvalidInput(
            _("The calendar file has %(n)d bad line(s).", n=len(errors)), details=errors
        )
    if not entries:
        raise InvalidInput(_("The calendar file has no dates."), details=[])
    return entries


def import_calendar(
    session: Session, *, actor: Actor, entries: Iterable[DayEntry], now: datetime
) -> list[int]:
    """Replace the entries of every year the file covers; returns those years."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    entries = list(entries)
    years = sorted({e.day.year for e in entries})
    before = {year: _year_entries(session, year) for year in years}
    session.execute(delete(CalendarDay).where(extract("year", CalendarDay.day).in_(years)))
    session.add_all(
        CalendarDay(
            day=e.day, kind=e.kind, note=e.note, updated_at=now, updated_by_id=actor.user_id
        )
        for e in entries
    )
    session.flush()
    for year in years:
        record(
            session,
            actor=actor,
            action="calendar.import",
            object_type="calendar_year",
            object_id=year,
            before=before[year],
            after=_year_entries(session, year),
            now=now,
        )
    _bump_revision(session, now)
    return years


def set_day(
    session: Session, *, actor: Actor, day: date, kind: DayKind | None, note: str, now: datetime
) -> None:
    """Enter (or with `kind=None` remove) one date."""
    require(actor, Permission.RUN_CYCLE)
    existing = session.get(CalendarDay, day)
    before = {"kind": existing.kind, "note": existing.note} if existing else None
    if kind is None:
        if existing is not None:
            session.delete(existing)
    elif existing is None:
        session.add(
            CalendarDay(
                day=day, kind=kind, note=note[:200], updated_at=now, updated_by_id=actor.user_id
            )
        )
    else:
        existing.kind, existing.note, existing.updated_at = kind, note[:200], now
        existing.updated_by_id = actor.user_id
    session.flush()
    after = {"kind": kind, "note": note} if kind else None
    record(
        session,
        actor=actor,
        action="calendar.set_day",
        object_type="calendar_day",
        object_id=day.isoformat(),
        before=before,
        after=after,
        now=now,
    )
    _bump_revision(session, now)


def _year_entries(session: Session, year: int) -> dict[str, str]:
    rows = session.execute(
        select(CalendarDay.day, CalendarDay.kind)
        .where(extract("year", CalendarDay.day) == year)
        .order_by(CalendarDay.day)
    ).all()
    return {day.isoformat(): kind.value for day, kind in rows}


def year_entries(session: Session, year: int) -> list[CalendarDay]:
    """The office's entries for `year`, by date."""
    return list(
        session.execute(
            select(CalendarDay)
            .where(extract("year", CalendarDay.day) == year)
            .order_by(CalendarDay.day)
        ).scalars()
    )


def covered_by_package(year: int) -> bool:
    """Whether the chinese-calendar package has official data for `year`."""
    return package_covers(year)
