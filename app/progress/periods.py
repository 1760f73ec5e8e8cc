"""Reporting periods (`YYYY-MM`): which month a cycle reports on and when that month ends."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from app.calendar.workdays import SHANGHAI


def reported_period(due_at: datetime) -> tuple[int, str, date]:
    """The month a cycle starting at `due_at` reports on: the month before, in China time."""
    first = due_at.astimezone(SHANGHAI).date().replace(day=1)
    last = first - timedelta(days=1)
    return last.year, f"{last.year:04d}-{last.month:02d}", last


def period_end(period: str) -> date:
    """The last day of a `YYYY-MM` period."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def cycle_of(period: str | None, now: datetime) -> dict[str, Any]:
    """Year, period and last day of a reporting cycle: `period` if given, else last month."""
    if period is None:
        year, period, last = reported_period(now)
    else:
        last = period_end(period)
        year = last.year
    return {"year": year, "period": period, "period_end": last.isoformat()}
