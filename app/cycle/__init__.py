"""The annual cycle (SPEC §3, §14): the year's phase dates and the diagram that opens each phase."""
