"""A province-year simulated end to end: the real engine, scheduler and services, a frozen clock
moved forward, and simulated people working their inboxes (issue 15 §2)."""

# A year with the official holidays in the calendar package (2004-2026). Any year runs; a later
# one on weekends-only deadlines, marked provisional until the office enters its holidays.
DEFAULT_YEAR = 2026
