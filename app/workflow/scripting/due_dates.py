"""Due and follow-up dates from the values their expressions give: the diagrams' and the
deploy check's common reading of a date, a date-time or an ISO 8601 duration."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.calendar.workdays import END_OF_DAY, SHANGHAI
from app.workflow.scripting.time_expressions import is_duration

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def moment_from_value(value: Any, now: datetime) -> datetime | None:
    """A due or follow-up date from its expression's value: an aware date-time, a date or an
    ISO 8601 day (its last second, China time), an ISO 8601 date-time string, or an ISO 8601
    duration from `now`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # a naive date-time is China time, as a naive ISO string is
        aware: datetime = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
        return aware.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, END_OF_DAY, tzinfo=SHANGHAI).astimezone(UTC)
    if isinstance(value, str) and _DAY.match(value.strip()):
        return moment_from_value(date.fromisoformat(value.strip()), now)
    if isinstance(value, str) and is_duration(value.strip()):
        duration = TimerEventDefinition.parse_iso_duration(value.strip())
        offset: timedelta = TimerEventDefinition.get_timedelta_from_start(duration, now)
        return now + offset
    if isinstance(value, str):
        try:
            return moment_from_value(datetime.fromisoformat(value.strip()), now)
        except ValueError:
            pass
        try:
            moment: datetime = TimerEventDefinition.get_datetime(value.strip())
        except ValueError:
            pass
        else:
            return moment.astimezone(UTC)
    raise ValueError(
        f"{value!r} is not a date-time, a date, an ISO 8601 date-time or an ISO 8601 duration"
    )
