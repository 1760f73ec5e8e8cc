"""Backup and restore of the database and the evidence files (SECURITY R12)."""
