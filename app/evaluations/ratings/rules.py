"""The settings of the daily rating, read from the app config with SPEC §6 defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class RatingRules:
    """Comment cap, burst thresholds and the rectification's working days."""

    comment_max: int = 500
    contact_max: int = 100
    burst_window: timedelta = timedelta(minutes=10)
    burst_count: int = 5
    rectification_workdays: int = 5
    min_valid_for_d: int = 30


def rules_from(config: Mapping[str, Any]) -> RatingRules:
    """The rules as configured (`RATING_*`, `RECTIFICATION_WORKDAYS`), defaults otherwise."""
    default = RatingRules()
    return RatingRules(
        comment_max=int(config.get("RATING_COMMENT_MAX_LENGTH", default.comment_max)),
        burst_window=timedelta(
            minutes=int(
                config.get("RATING_BURST_WINDOW_MINUTES", default.burst_window.seconds // 60)
            )
        ),
        burst_count=int(config.get("RATING_BURST_THRESHOLD", default.burst_count)),
        rectification_workdays=int(
            config.get("RECTIFICATION_WORKDAYS", default.rectification_workdays)
        ),
    )
