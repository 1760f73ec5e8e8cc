"""An inputs document recorded in the database as the procedures would leave it, so that the
year's scores are gathered from records (`scores compute`) rather than from the document.

Given D and Y become 100 public ratings and 100 answers of a weighted one-group survey with that
mean; deductions and bonuses become one approved uncapped proposal each."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.roles import Role
from app.evaluations.models import DepartmentItem, SheetKind
from app.evaluations.ratings.models import Level
from app.org.models import Unit
from app.scoring.demo import (
    add_confirmed_proposal,
    add_daily_ratings,
    add_department_score,
    add_indicator,
    add_sheet,
    add_survey,
)
from tests.factories import make_user

RATINGS = 100


def spread(score: Any) -> list[int]:
    """RATINGS levels (5 … 1, worth 100 … 0 in steps of 25) whose mean is `score`."""
    steps = Decimal(str(score)) * 4
    if steps != steps.to_integral_value() or not 0 <= steps <= 400:
        raise ValueError(f"{score} is not a mean of {RATINGS} levels")
    low, high = divmod(int(steps), RATINGS)
    return [low + 2] * high + [low + 1] * (RATINGS - high)


def _sheets(
    session: Session, document: dict[str, Any], ids: dict[str, int], kind: SheetKind, now: datetime
) -> None:
    key = "leaders" if kind is SheetKind.LEADER else "leading_group"
    rounds = max((len(unit.get(key, [])) for unit in document["units"]), default=0)
    for n in range(rounds):
        rater = make_user(f"records_{key}{n + 1}", Role.PROVINCIAL_LEADER)
        scores: dict[int, Decimal | None] = {
            ids[unit["code"]]: Decimal(str(unit[key][n]))
            for unit in document["units"]
            if n < len(unit.get(key, []))
        }
        add_sheet(
            session, year=document["year"], kind=kind, rater_id=rater.id, scores=scores, now=now
        )


def _unit_records(
    session: Session, year: int, unit_id: int, unit: dict[str, Any], now: datetime
) -> None:
    for indicator in unit.get("indicators", []):
        cancelled = bool(indicator.get("cancelled", False))
        add_indicator(
            session,
            year=year,
            unit_id=unit_id,
            weight=Decimal(str(indicator["weight"])),
            completion=None if cancelled else Decimal(str(indicator["completion"])),
            now=now,
            cancelled=cancelled,
        )
    for item, (actual, _full) in unit.get("departmental", {}).items():
        add_department_score(
            session, year=year, item=DepartmentItem(item), unit_id=unit_id, actual=Decimal(actual)
        )
    if unit.get("D") is not None:
        levels = spread(unit["D"])
        counts = {level: levels.count(int(level)) for level in Level}
        add_daily_ratings(session, year=year, unit_id=unit_id, counts=counts, now=now)
    for rule, points in (
        ("recorded_deductions", -Decimal(str(unit.get("deductions", "0")))),
        ("recorded_bonuses", Decimal(str(unit.get("bonuses", "0")))),
    ):
        if points:
            add_confirmed_proposal(
                session, year=year, unit_id=unit_id, rule=rule, points=points, now=now
            )


def record_document(session: Session, document: dict[str, Any], *, now: datetime) -> None:
    """Record every unit of `document` (its units already assessed in the year)."""
    year = document["year"]
    codes = [unit["code"] for unit in document["units"]]
    ids = dict(
        session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).tuples().all()
    )
    for unit in document["units"]:
        assert not unit.get("disqualified"), "record a §22 case by hand"
        _unit_records(session, year, ids[unit["code"]], unit, now)
    _sheets(session, document, ids, SheetKind.LEADER, now)
    _sheets(session, document, ids, SheetKind.LEADING_GROUP, now)
    answers: dict[int, list[int | None]] = {
        ids[unit["code"]]: list(spread(unit["Y"])) for unit in document["units"]
    }
    add_survey(session, year=year, answers=answers, now=now, weight=Decimal(1))
    session.flush()
