"""Language and time-zone selection: zh-CN unless the user chose English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session

SHANGHAI = ZoneInfo("Asia/Shanghai")


def select_locale() -> str:
    """The language chosen in this session, else the default (zh_CN)."""
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    """Every time is shown in Asia/Shanghai."""
    return "Asia/Shanghai"


def to_shanghai(value: datetime | None) -> datetime | None:
    """An aware UTC datetime converted to Asia/Shanghai for display."""
    return value.astimezone(SHANGHAI) if value is not None else None
