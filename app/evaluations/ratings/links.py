"""The public rating link of a unit, for QR codes, posters and `ratings links`."""

from __future__ import annotations

from flask import current_app, url_for


def rating_link(token: str, base_url: str | None = None) -> str:
    """The absolute link behind a unit's QR code: on `base_url` (or `RATING_BASE_URL`) when
    given, else on the host of the current request."""
    base = base_url or current_app.config.get("RATING_BASE_URL")
    if base:
        return f"{base.rstrip('/')}{url_for('ratings.rate', token=token)}"
    return url_for("ratings.rate", token=token, _external=True)
