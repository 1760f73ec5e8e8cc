"""Working days (SPEC §13): Monday–Friday minus official holidays plus adjusted working days.

The official arrangements come from the `chinese-calendar` package; the office's own entries
(`overrides`) win over it. A year the package does not cover and the office has not entered is
computed with weekends only, and the result is marked provisional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
MAX_WORKDAYS = 3660  # ten years of working days is more than any deadline needs


# The package's own lookups scan its whole holiday table on every call (tens of microseconds a
# day, half a second for a deadline ten years out); its tables read directly answer at once.
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


def package_covers(year: int) -> bool:
    """Whether the chinese-calendar package has official data for `year`."""
    return year in _PACKAGE_YEARS


def _package_workday(day: date) -> bool:
    """`chinese_calendar.is_workday` for a year it covers, without its table scan."""
    return day in chinese_calendar.workdays or (
        day.weekday() < 5 and day not in chinese_calendar.holidays
    )


@dataclass
class WorkdayCalendar:
    """Working-day arithmetic over the package data and the office's overrides.

    `overrides` maps a date to True (adjusted working day) or False (holiday); `entered_years`
    are the years the office has entered in full, so they count as known even beyond the package.
    `provisional_years` collects every year a computation had to guess (weekends only).
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    entered_years: frozenset[int] = frozenset()
    provisional_years: set[int] = field(default_factory=set)

    def year_is_known(self, year: int) -> bool:
        """Whether `year` has official data (package or office entries)."""
        return year in self.entered_years or package_covers(year)

    def is_workday(self, day: date | datetime) -> bool:
        """Whether `day` (a datetime counts by its date in Asia/Shanghai) is a working day."""
        day = local_date(day)
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.entered_years:
            return day.weekday() < 5
        if package_covers(day.year):
            return _package_workday(day)
        self.provisional_years.add(day.year)
        return day.weekday() < 5

    def add_workdays(self, start: date | datetime, count: int) -> date:
        """The `count`-th working day after `start` (not counted itself); negative goes back."""
        if not isinstance(count, int) or abs(count) > MAX_WORKDAYS:
            raise ValueError(f"working-day count must be an integer within ±{MAX_WORKDAYS}")
        day, step, remaining = local_date(start), (1 if count >= 0 else -1), abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workday_deadline(self, moment: date | datetime | str, count: int) -> datetime:
        """23:59:59 Asia/Shanghai on the `count`-th working day after the date of `moment`."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        day = self.add_workdays(moment, count)
        return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def local_date(value: date | datetime) -> date:
    """The calendar date of `value` in Asia/Shanghai (a naive datetime is China time already,
    as a naive due date or timer value from a diagram is)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
        return aware.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def end_of_local_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on `day`: a date's deadline."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)
