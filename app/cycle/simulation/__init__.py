"""A province-year simulated end to end: the real engine, scheduler and services, a frozen clock
moved forward, and simulated people working their inboxes (issue 15 §2)."""
