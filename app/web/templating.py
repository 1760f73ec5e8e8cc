"""Template globals and filters: times in Asia/Shanghai, labels, navigation."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import Permission, Role
from app.calendar.services import year_is_known
from app.crypto.masking import mask_personal
from app.db import utcnow
from app.extensions import db_session
from app.notifications.services import unread_count
from app.org.models import Category
from app.web.navigation import nav_entries, nav_items
from app.workflow.definitions.diagrams import lane_label
from app.workflow.timers.deadlines import provisional_counts


def _local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if value is None:
        return ""
    return str(format_datetime(value, fmt))  # converts to Asia/Shanghai


def _readable_json(value: Any, indent: int = 1) -> str:
    """Indented JSON for people to read or edit, Chinese as it is (`tojson` writes \\uXXXX,
    being meant for scripts); autoescaping still applies where it is shown."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


def _language() -> str:
    """'zh' or 'en': the language of the page, for `lang` attributes and name columns."""
    locale = get_locale()
    return "zh" if locale is None or locale.language == "zh" else "en"


def _calendar_warning() -> str | None:
    """For office staff and system administrators: deadlines still computed without official
    holiday data, or next year's arrangement missing from November on (SPEC §13)."""
    if not current_user.is_authenticated or not (
        current_user.actor.can(Permission.RUN_CYCLE) or current_user.actor.can(Permission.CONFIGURE)
    ):
        return None
    session = db_session()
    tasks, instances = provisional_counts(session)
    if tasks or instances:
        return str(
            _(
                "%(n)d deadline(s) fall in a year without official holiday data and are "
                "computed with weekends only. Enter that year's calendar.",
                n=tasks + instances,
            )
        )
    today = utcnow()
    if today.month >= 11 and not year_is_known(session, today.year + 1):
        return str(
            _(
                "The official holiday arrangement for %(year)d has not been entered yet.",
                year=today.year + 1,
            )
        )
    return None


def _unread_notifications() -> int:
    if not current_user.is_authenticated:
        return 0
    return unread_count(db_session(), current_user.id)


def _context() -> dict[str, Any]:
    return {
        "Role": Role,
        "Category": Category,
        "lang": _language(),
        "nav_items": nav_items,
        "nav_entries": nav_entries,
        "calendar_warning": _calendar_warning,
        "unread_notifications": _unread_notifications,
    }


def register_templating(app: Flask) -> None:
    """Install filters and globals used by every template."""
    app.add_template_filter(_local_time, "local_time")
    app.add_template_filter(_readable_json, "readable_json")
    app.add_template_filter(mask_personal, "masked")
    app.add_template_filter(lane_label, "lane_label")
    app.context_processor(_context)
