"""Indicator rules that every procedure step checks."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from flask_babel import gettext as _

from app.indicators.models import Indicator, IndicatorStatus

TOTAL_WEIGHT = Decimal(80)


def weight_problems(indicators: Iterable[Indicator]) -> list[str]:
    """Why a unit's indicators cannot be submitted: their weights must add up to 80 (§19)."""
    live = [i for i in indicators if i.status is not IndicatorStatus.CANCELLED]
    problems = [
        _("%(title)s has no weight.", title=i.current.title) for i in live if i.current.weight <= 0
    ]
    total = sum((i.current.weight for i in live), Decimal(0))
    if total != TOTAL_WEIGHT:
        problems.append(_("The weights add up to %(t)s, not %(n)s.", t=total, n=TOTAL_WEIGHT))
    return problems
