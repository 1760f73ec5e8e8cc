"""A year's scoring inputs gathered from what was recorded, in CONTRACT's inputs format.

An input that is not there yet (an indicator not verified, no year-end answer, no sheet) is left
out rather than set to zero, so that reading the document names the unit and the input."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.evaluations.aggregates import departmental, leader_scores, leading_group_scores
from app.evaluations.ratings.models import Level
from app.evaluations.ratings.queries import daily_counts
from app.evaluations.survey.aggregates import yearend_counts, yearend_scores
from app.evaluations.survey.services import survey_for_year
from app.org.models import Unit
from app.org.services import memberships
from app.progress.models import ProcessRule, Proposal, ProposalStatus
from app.progress.proposals import CORRECTION_SIDES
from app.scoring.inputs import parse_inputs
from app.scoring.models import DisqualificationCase, ScoreRun
from app.scoring.services import store_scores
from app.scoring.settings import quota_rounding_of
from app.verification.queries import verified_indicators

ZERO = Decimal(0)


def capped_adjustments(
    caps: dict[str, Decimal | None], confirmed: list[tuple[str, Decimal]]
) -> tuple[Decimal, Decimal]:
    """(deductions, bonuses) from confirmed (rule, points), each rule's sum within its cap as
    `app.progress.proposals.p_score` takes it, so that 100 − deductions + bonuses is P; a
    correction rule changes its own side whatever its sign."""
    by_rule: dict[str, Decimal] = defaultdict(Decimal)
    for rule, points in confirmed:
        by_rule[rule] += points
    deductions = bonuses = ZERO
    for rule, points in by_rule.items():
        cap = caps.get(rule)
        kept = points if cap is None else max(-cap, min(cap, points))
        side = CORRECTION_SIDES.get(rule)
        if side == "deductions":
            deductions -= kept
        elif side == "bonuses":
            bonuses += kept
        elif kept < 0:
            deductions -= kept
        else:
            bonuses += kept
    return deductions, bonuses


def _adjustments(session: Session, year: int) -> dict[str, tuple[Decimal, Decimal]]:
    caps = {
        rule.code: rule.cap
        for rule in session.execute(select(ProcessRule).where(ProcessRule.year == year)).scalars()
    }
    confirmed: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for code, rule, points in session.execute(
        select(Unit.code, Proposal.rule_code, Proposal.points)
        .join(Unit, Unit.id == Proposal.unit_id)
        .where(Proposal.year == year, Proposal.status == ProposalStatus.APPROVED)
        .order_by(Proposal.id)
    ).all():
        confirmed[code].append((rule, Decimal(points)))
    return {code: capped_adjustments(caps, found) for code, found in confirmed.items()}


def disqualified_units(session: Session, year: int) -> set[str]:
    """Codes of the units with a recorded §22 case of `year` that is not exempted."""
    return set(
        session.execute(
            select(Unit.code)
            .join(DisqualificationCase, DisqualificationCase.unit_id == Unit.id)
            .where(DisqualificationCase.year == year, DisqualificationCase.exemption.is_(None))
        ).scalars()
    )


def _indicators(found: list[Any]) -> list[dict[str, Any]]:
    indicators: list[dict[str, Any]] = []
    for indicator in found:
        entry: dict[str, Any] = {"weight": str(indicator.weight), "cancelled": indicator.cancelled}
        if indicator.completion is not None:
            entry["completion"] = str(indicator.completion)
        elif indicator.cancelled:
            entry["completion"] = "0"  # a cancelled indicator does not count; nothing to verify
        indicators.append(entry)
    return indicators


def _yearend(session: Session, year: int) -> tuple[str, dict[str, Any]]:
    """("Y", scores) when the survey weighs its groups, else ("yearend", counts)."""
    survey = survey_for_year(session, year)
    weighted = (
        survey is not None
        and bool(survey.groups)
        and all(group.weight is not None for group in survey.groups)
    )
    if weighted:
        return "Y", {code: str(y) for code, y in yearend_scores(session, year).items()}
    return "yearend", dict(yearend_counts(session, year))


def gather_inputs(session: Session, year: int) -> dict[str, Any]:
    """The year's scoring inputs (CONTRACT "Scoring inputs") from the recorded data."""
    indicators = verified_indicators(session, year)
    leading_group = leading_group_scores(session, year)
    leaders = leader_scores(session, year)
    daily = daily_counts(session, year)
    yearend_key, yearend = _yearend(session, year)
    adjustments = _adjustments(session, year)
    items = departmental(session, year)
    disqualified = disqualified_units(session, year)
    no_ratings = {level.name_zh: 0 for level in Level}
    units: list[dict[str, Any]] = []
    for membership in memberships(session, year):
        code = membership.unit.code
        deductions, bonuses = adjustments.get(code, (ZERO, ZERO))
        unit: dict[str, Any] = {
            "code": code,
            "category": membership.category.value,
            "headcount": membership.headcount,
        }
        if code in indicators:
            unit["indicators"] = _indicators(indicators[code])
        if code in leading_group:
            unit["leading_group"] = [str(score) for score in leading_group[code]]
        unit["deductions"] = str(deductions)
        unit["bonuses"] = str(bonuses)
        if code in leaders:
            unit["leaders"] = [str(score) for score in leaders[code]]
        unit["daily"] = daily.get(code, dict(no_ratings))
        if code in yearend:
            unit[yearend_key] = yearend[code]
        if code in items:
            unit["departmental"] = {
                item: [str(actual), str(full)] for item, (actual, full) in items[code].items()
            }
        unit["disqualified"] = code in disqualified
        units.append(unit)
    return {"year": year, "quota_rounding": quota_rounding_of(session, year).value, "units": units}


def compute_year(
    session: Session, actor: Actor, year: int, reason: str, *, now: datetime
) -> ScoreRun:
    """Compute the year's scores from the recorded inputs and store them as a new version;
    InputsProblem names each unit's missing input."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    return store_scores(
        session, actor, year, parse_inputs(gather_inputs(session, year)), reason, now=now
    )
