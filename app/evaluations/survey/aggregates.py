"""The survey's scoring inputs: answers per level and Y per unit (SPEC §6, §8)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.evaluations.survey.models import LEVELS, Survey, SurveyAnswer, SurveyResponse
from app.evaluations.survey.services import survey_for_year
from app.org.models import Unit

# (unit code, group id, level) → number of answers; 不了解 left out
_Tally = dict[tuple[str, int, int], int]


def _tally(session: Session, survey: Survey) -> _Tally:
    rows = session.execute(
        select(Unit.code, SurveyResponse.group_id, SurveyAnswer.level, func.count())
        .select_from(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Unit, Unit.id == SurveyAnswer.unit_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.level.is_not(None))
        .group_by(Unit.code, SurveyResponse.group_id, SurveyAnswer.level)
    ).all()
    return {(code, group_id, int(level)): int(count) for code, group_id, level, count in rows}


def yearend_counts(session: Session, year: int) -> dict[str, dict[str, int]]:
    """Per unit code, the year-end answers per level name (非常满意 … 非常不满意), 不了解 left out;
    units nobody rated are absent. Empty when the year has no survey."""
    survey = survey_for_year(session, year)
    if survey is None:
        return {}
    counts: dict[str, dict[str, int]] = {}
    for (code, _group, level), count in _tally(session, survey).items():
        per_level = counts.setdefault(code, {name: 0 for name, _score in LEVELS.values()})
        per_level[LEVELS[level][0]] += count
    return counts


def _mean(per_level: dict[int, int]) -> Decimal | None:
    answers = sum(per_level.values())
    if not answers:
        return None
    total = sum(LEVELS[level][1] * count for level, count in per_level.items())
    return Decimal(total) / answers


def yearend_scores(session: Session, year: int) -> dict[str, Decimal]:
    """Y per unit code: the mean level score (100/75/50/25/0) over its answers, or, when the
    survey weighs its groups, the weighted mean of each group's mean (groups with no answers
    for the unit left out). Units with no answers are absent."""
    survey = survey_for_year(session, year)
    if survey is None:
        return {}
    tally = _tally(session, survey)
    weights = {group.id: group.weight for group in survey.groups}
    weighted = all(weight is not None for weight in weights.values())
    per_unit: dict[str, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for (code, group_id, level), count in tally.items():
        per_unit[code][group_id if weighted else 0][level] = count
    scores: dict[str, Decimal] = {}
    for code, groups in per_unit.items():
        if not weighted:
            mean = _mean(groups[0])
            if mean is not None:
                scores[code] = mean
            continue
        parts = [
            (weights[group_id] or Decimal(0), _mean(levels)) for group_id, levels in groups.items()
        ]
        total_weight = sum((weight for weight, mean in parts if mean is not None), Decimal(0))
        if total_weight:
            scores[code] = (
                sum((weight * mean for weight, mean in parts if mean is not None), Decimal(0))
                / total_weight
            )
    return scores
