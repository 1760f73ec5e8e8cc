"""The scoring phase: the year's scoring inputs read from what was recorded, stored as a score
version. (Issue 13's `app.scoring.gather.gather_inputs` does the same reading for `scores
compute`; when both are merged this module should call it instead of `recorded_inputs`.)"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.evaluations.aggregates import departmental, leader_scores, leading_group_scores
from app.evaluations.ratings.queries import daily_counts
from app.evaluations.survey.aggregates import yearend_counts
from app.org.services import memberships
from app.progress.proposals import p_scores
from app.scoring.inputs import parse_inputs
from app.scoring.models import ScoreRun
from app.scoring.services import store_scores
from app.verification.queries import verified_indicators

HUNDRED = Decimal(100)


def recorded_inputs(session: Session, year: int) -> dict[str, Any]:
    """CONTRACT's scoring inputs of the year from the recorded data; a missing input is left
    out so that scoring names the unit and the input."""
    members = memberships(session, year)
    indicators = verified_indicators(session, year)
    leaders, group = leader_scores(session, year), leading_group_scores(session, year)
    items, daily = departmental(session, year), daily_counts(session, year)
    yearend = yearend_counts(session, year)
    p_of = p_scores(session, year, [m.unit_id for m in members])
    units = []
    for member in members:
        code = member.unit.code
        p = p_of[member.unit_id]
        unit: dict[str, Any] = {
            "code": code,
            "category": member.category.value,
            "headcount": member.headcount,
            "indicators": [
                {"weight": str(i.weight), "cancelled": i.cancelled}
                | ({} if i.completion is None else {"completion": str(i.completion)})
                for i in indicators.get(code, [])
            ],
            "leading_group": [str(s) for s in group.get(code, [])],
            "leaders": [str(s) for s in leaders.get(code, [])],
            "deductions": str(max(Decimal(0), HUNDRED - p)),
            "bonuses": "0",
            "departmental": {k: [str(a), str(f)] for k, (a, f) in items.get(code, {}).items()},
            "daily": daily.get(code, {}),
        }
        if code in yearend:
            unit["yearend"] = yearend[code]
        units.append(unit)
    return {"year": year, "units": units}


def compute_year_scores(session: Session, actor: Actor, year: int, *, now: datetime) -> ScoreRun:
    """Store the year's scores from its recorded inputs as a new version (audited)."""
    inputs = parse_inputs(recorded_inputs(session, year))
    return store_scores(session, actor, year, inputs, "年度考核周期：计分阶段", now=now)
