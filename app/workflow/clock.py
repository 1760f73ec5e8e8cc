"""One clock per engine step: the `now` a step was given is what SpiffWorkflow's timers compare
against and what a diagram's `now()` returns, so a step computes as of its own moment (a
scheduler tick for a past due time, a test with a fixed `now`) rather than the wall clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer

_step_now: ContextVar[datetime | None] = ContextVar("jixiao_step_now", default=None)


def step_now() -> datetime:
    """The current step's moment (aware UTC), or the wall clock outside a step."""
    return _step_now.get() or datetime.now(UTC)


@contextmanager
def step_clock(now: datetime) -> Iterator[None]:
    """Run the block with `now` as the engine's clock (a naive `now` is taken as UTC)."""
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    token = _step_now.set(aware.astimezone(UTC))
    try:
        yield
    finally:
        _step_now.reset(token)


class _StepDatetime(datetime):
    """`datetime` as SpiffWorkflow's timer module sees it: `now()` is the step's moment."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _StepDatetime:
        current = _step_now.get()
        if current is None:
            return super().now(tz)
        moment = current.astimezone(tz) if tz is not None else current.astimezone()
        if tz is None:
            moment = moment.replace(tzinfo=None)
        return cls.combine(moment.date(), moment.timetz())


# timer.py calls `datetime.now(timezone.utc)` to decide whether a timer has fired and to anchor
# durations; its other uses (fromisoformat, combine) behave as before.
timer.datetime = _StepDatetime
