"""Evaluations of policy §14 (SPEC §6): leaders, the public (daily ratings and the year-end survey),
the assessing departments and the leading group."""
