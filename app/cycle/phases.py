"""The phases of an assessment year and their default opening dates (SPEC §3)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.calendar.workdays import SHANGHAI

OPENING_TIME = time(9, 0)  # phases open at 09:00 China time on their date


class Phase(StrEnum):
    """A phase of the year, in the order the `annual_cycle` diagram opens them."""

    INDICATOR_SETTING = "indicator_setting"
    REPORTING = "reporting"
    EVALUATIONS = "evaluations"
    VERIFICATION = "verification"
    SCORING = "scoring"
    DELIVERY = "delivery"
    SIGNOFF = "signoff"
    RESULTS = "results"

    @property
    def label(self) -> str:
        """The phase's name in the user's language."""
        return str(PHASE_LABELS[self])


PHASE_LABELS = {
    Phase.INDICATOR_SETTING: _l("Indicator setting"),
    Phase.REPORTING: _l("Monthly progress reporting"),
    Phase.EVALUATIONS: _l("Year-end evaluations and survey"),
    Phase.VERIFICATION: _l("Year-end self-evaluation and verification"),
    Phase.SCORING: _l("Scoring"),
    Phase.DELIVERY: _l("Delivery of results and appeals"),
    Phase.SIGNOFF: _l("Sign-off and notice"),
    Phase.RESULTS: _l("Use of results and rectifications"),
}

# (year offset, month, day) of each phase's default date for assessment year Y.
DEFAULT_DATES: dict[Phase, tuple[int, int, int]] = {
    Phase.INDICATOR_SETTING: (0, 1, 10),
    Phase.REPORTING: (0, 2, 1),
    Phase.EVALUATIONS: (1, 1, 5),
    Phase.VERIFICATION: (1, 1, 5),
    Phase.SCORING: (1, 2, 1),
    Phase.DELIVERY: (1, 2, 10),
    Phase.SIGNOFF: (1, 3, 1),
    Phase.RESULTS: (1, 3, 31),
}

# The per-unit procedures each phase starts, for the counts on the cycle page.
PROCEDURES: dict[Phase, tuple[str, ...]] = {
    Phase.INDICATOR_SETTING: ("indicator_setting", "indicator_adjustment"),
    Phase.REPORTING: ("progress_reporting",),
    Phase.EVALUATIONS: ("evaluations",),
    Phase.VERIFICATION: ("year_end_verification",),
    Phase.SCORING: (),
    Phase.DELIVERY: ("appeal",),
    Phase.SIGNOFF: ("signoff",),
    Phase.RESULTS: ("rectification",),
}


def default_date(year: int, phase: Phase) -> date:
    """The phase's default date in assessment year `year`."""
    offset, month, day = DEFAULT_DATES[phase]
    return date(year + offset, month, day)


def opening_moment(day: date) -> datetime:
    """When a phase dated `day` opens: 09:00 China time that day (aware)."""
    return datetime.combine(day, OPENING_TIME, tzinfo=SHANGHAI)
