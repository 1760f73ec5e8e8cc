"""Template globals and filters: times in Asia/Shanghai, labels, navigation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import format_datetime, get_locale

from app.auth.roles import Role
from app.org.models import Category
from app.web.navigation import nav_items


def _local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if value is None:
        return ""
    return str(format_datetime(value, fmt))  # converts to Asia/Shanghai


def _language() -> str:
    """'zh' or 'en': the language of the page, for `lang` attributes and name columns."""
    locale = get_locale()
    return "zh" if locale is None or locale.language == "zh" else "en"


def _context() -> dict[str, Any]:
    return {
        "Role": Role,
        "Category": Category,
        "lang": _language(),
        "nav_items": nav_items,
    }


def register_templating(app: Flask) -> None:
    """Install filters and globals used by every template."""
    app.add_template_filter(_local_time, "local_time")
    app.context_processor(_context)
