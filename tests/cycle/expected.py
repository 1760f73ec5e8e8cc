"""The grades a simulated province should get, computed independently of the database: from
the inputs the simulated people generated (with the office's correction of an upheld appeal),
with the scoring arithmetic and the grade rules."""

from __future__ import annotations

from decimal import Decimal

from app.cycle.simulation.province import Truth
from app.evaluations.ratings.models import Level
from app.org.models import Category
from app.scoring.arithmetic import score_units
from app.scoring.grades import GradingEntry, propose_grades
from app.scoring.inputs import DepartmentalItem, IndicatorInput, PublicRatings, UnitInputs

LATE_REPORT_POINTS, LATE_REPORT_CAP = Decimal("0.5"), Decimal(5)  # SPEC §5 defaults


def _counts(per_level: dict[int, int]) -> dict[str, int]:
    return {Level(level).name_zh: count for level, count in per_level.items()}


def expected_grades(truth: Truth) -> dict[str, str]:
    """Each unit code's proposed grade from the generated inputs."""
    units = []
    for code, category in truth.categories.items():
        weights, completions = truth.weights[code], truth.completions[code]
        deductions = min(LATE_REPORT_CAP, LATE_REPORT_POINTS * truth.late_reports[code])
        units.append(
            UnitInputs(
                code=code,
                category=Category(category),
                headcount=truth.headcounts[code],
                indicators=tuple(
                    IndicatorInput(weights[title], completions[title], False) for title in weights
                ),
                leading_group=tuple(truth.group[code]),
                deductions=deductions,
                bonuses=Decimal(0),
                leaders=tuple(truth.leaders[code]),
                daily=PublicRatings(counts=_counts(truth.daily[code])),
                yearend=PublicRatings(counts=_counts(truth.yearend[code])),
                departmental={
                    item: DepartmentalItem(truth.upheld[code].get(item, actual), full)
                    for item, (actual, full) in truth.departmental[code].items()
                },
            )
        )
    scores = score_units(units)
    by_code = {unit.code: unit for unit in units}
    proposal = propose_grades(
        GradingEntry(score, by_code[score.code].category, False, by_code[score.code].headcount)
        for score in scores
    )
    return {unit.code: unit.grade.value for unit in proposal.units}
