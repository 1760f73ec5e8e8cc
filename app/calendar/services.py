"""The working-day calendar in force."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.calendar.workdays import WorkdayCalendar


def working_calendar(session: Session) -> WorkdayCalendar:
    """The calendar diagrams compute deadlines with: the official package data.

    The office's own holiday entries (and the provisional-year warnings) come with the deadlines
    work; until then this is the package's 2004–2026 data and weekends beyond it.
    """
    del session
    return WorkdayCalendar()
