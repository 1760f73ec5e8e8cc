"""The office's own calendar entries: official holidays and adjusted working days (SPEC §13)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow


class DayKind(StrEnum):
    """What an entry makes of its date."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"


class CalendarDay(Base):
    """One date the office entered; it wins over the package's data for that date."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, 16))
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CalendarRevision(Base):
    """One row naming the calendar's current content: every change writes a new token in the
    same transaction, so any process can tell with one primary-key read whether its cached
    entries are current. A token, not a counter: a change rolled back after another process
    cached its entries must never be taken for a later committed change."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
