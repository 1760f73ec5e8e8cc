"""Delivery of a year's results to the units and their appeals (SPEC §10, issue 14 §1)."""
