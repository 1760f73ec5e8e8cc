"""The grade proposal of SPEC §9 (policy §21, §22) and the excellent places of SPEC §12.

Pure: ranked scores in, a proposal out. The proposal goes to the sign-off procedure; it is never
final by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import groupby
from types import MappingProxyType

from flask_babel import gettext as _

from app.org.models import Category
from app.scoring.arithmetic import UnitScore, rounded
from app.scoring.inputs import QuotaRounding

PASS_MARK = Decimal(70)
EXCELLENT_SHARE = Decimal("0.4")
EXCELLENT_OR_GOOD_SHARE = Decimal("0.9")


class Grade(StrEnum):
    """The four grades, as CONTRACT and the notice write them."""

    EXCELLENT = "优秀"
    GOOD = "良好"
    PASS = "合格"  # noqa: S105  (a grade, not a password)
    FAIL = "不合格"


DEFAULT_EXCELLENT_RATIOS: Mapping[Grade, Decimal] = MappingProxyType(
    {
        Grade.EXCELLENT: Decimal("0.20"),
        Grade.GOOD: Decimal("0.18"),
        Grade.PASS: Decimal("0.15"),
        Grade.FAIL: Decimal("0.10"),
    }
)

DISQUALIFIED_FLAG = "disqualified_from_excellent"
_TIE_FLAG = "{grade}_quota_exceeded_by_tie:{extra}"


@dataclass(frozen=True)
class GradingEntry:
    """What grading reads of one unit."""

    score: UnitScore
    category: Category
    disqualified: bool
    headcount: int

    @property
    def ranking_key(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """T, then I, E, P, rounded: the order of the ranking (higher first)."""
        s = self.score
        return rounded(s.T), rounded(s.I), rounded(s.E), rounded(s.P)


@dataclass(frozen=True)
class ProposedGrade:
    """One unit's place in the proposal."""

    code: str
    category: Category
    rank: int
    grade: Grade
    flags: tuple[str, ...]
    excellent_places: int


@dataclass(frozen=True)
class CategoryProposal:
    """The grades proposed in one category, with its quotas."""

    category: Category
    assessed: int
    excellent_quota: int
    excellent_or_good_quota: int
    units: tuple[ProposedGrade, ...]


@dataclass(frozen=True)
class GradeProposal:
    """Grades proposed for a year, per category: for the committees to confirm, never final."""

    quota_rounding: QuotaRounding
    categories: tuple[CategoryProposal, ...]

    @property
    def units(self) -> tuple[ProposedGrade, ...]:
        """Every unit, category by category in ranking order."""
        return tuple(unit for category in self.categories for unit in category.units)

    def of(self, code: str) -> ProposedGrade:
        """The proposal for the unit with `code`."""
        return next(unit for unit in self.units if unit.code == code)


def quotas(assessed: int, rounding: QuotaRounding) -> tuple[int, int]:
    """(n₁, n₂): the 优秀 places and the 优秀+良好 places of a category of `assessed` units."""
    mode = ROUND_FLOOR if rounding is QuotaRounding.FLOOR else ROUND_HALF_UP
    return (
        int((EXCELLENT_SHARE * assessed).to_integral_value(rounding=mode)),
        int((EXCELLENT_OR_GOOD_SHARE * assessed).to_integral_value(rounding=mode)),
    )


def excellent_places(
    grade: Grade, headcount: int, ratios: Mapping[Grade, Decimal] = DEFAULT_EXCELLENT_RATIOS
) -> int:
    """Next year's civil-servant 优秀 places: ⌊ratio of the grade × headcount⌋ (SPEC §12)."""
    return int((ratios[grade] * headcount).to_integral_value(rounding=ROUND_FLOOR))


def tie_flag(grade: Grade, extra: int) -> str:
    """The machine-readable flag of a quota exceeded by `extra` because of a tie."""
    name = "excellent" if grade is Grade.EXCELLENT else "good"
    return _TIE_FLAG.format(grade=name, extra=extra)


def flag_text(flag: str) -> str:
    """A flag explained for the committees, in the user's language."""
    if flag == DISQUALIFIED_FLAG:
        return str(_("Disqualified from 优秀 by a recorded case (§22)."))
    name, _sep, extra = flag.partition(":")
    grade = Grade.EXCELLENT if name.startswith("excellent") else Grade.GOOD
    return str(
        _(
            "%(grade)s quota exceeded by %(extra)s due to a tie; the committee confirms.",
            grade=grade.value,
            extra=extra,
        )
    )


@dataclass
class _Walk:
    """The running state of one category's walk down the ranking."""

    grades: dict[str, Grade] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)

    def give(self, group: list[GradingEntry], grade: Grade, given_before: int, quota: int) -> int:
        for entry in group:
            self.grades[entry.score.code] = grade
        given = given_before + len(group)
        if given > quota:
            for entry in group:
                self.flags[entry.score.code].append(tie_flag(grade, given - quota))
        return given


def _tied_groups(ranked: list[GradingEntry]) -> list[list[GradingEntry]]:
    return [list(group) for _key, group in groupby(ranked, key=lambda e: e.ranking_key)]


def _grade_category(
    category: Category,
    entries: list[GradingEntry],
    rounding: QuotaRounding,
    ratios: Mapping[Grade, Decimal],
) -> CategoryProposal:
    ranked = sorted(entries, key=lambda e: (tuple(-v for v in e.ranking_key), e.score.code))
    groups = _tied_groups(ranked)
    n1, n2 = quotas(len(ranked), rounding)
    walk = _Walk(
        flags={e.score.code: [DISQUALIFIED_FLAG] if e.disqualified else [] for e in ranked}
    )
    passing = [[e for e in group if rounded(e.score.T) >= PASS_MARK] for group in groups]
    excellent = 0
    for group in passing:
        candidates = [e for e in group if not e.disqualified]
        if candidates and excellent < n1:
            excellent = walk.give(candidates, Grade.EXCELLENT, excellent, n1)
    given = excellent
    for group in passing:
        rest = [e for e in group if e.score.code not in walk.grades]
        if rest and given < n2:
            given = walk.give(rest, Grade.GOOD, given, n2)
    units = []
    position = 0
    for group in groups:
        rank = position + 1
        for entry in group:
            position += 1
            code = entry.score.code
            grade = walk.grades.get(code) or (
                Grade.PASS if rounded(entry.score.T) >= PASS_MARK else Grade.FAIL
            )
            units.append(
                ProposedGrade(
                    code=code,
                    category=category,
                    rank=rank,
                    grade=grade,
                    flags=tuple(walk.flags[code]),
                    excellent_places=excellent_places(grade, entry.headcount, ratios),
                )
            )
    return CategoryProposal(category, len(ranked), n1, n2, tuple(units))


def propose_grades(
    entries: Iterable[GradingEntry],
    rounding: QuotaRounding = QuotaRounding.FLOOR,
    ratios: Mapping[Grade, Decimal] = DEFAULT_EXCELLENT_RATIOS,
) -> GradeProposal:
    """The grade proposal per category, in the order of the categories."""
    by_category: dict[Category, list[GradingEntry]] = {}
    for entry in entries:
        by_category.setdefault(entry.category, []).append(entry)
    return GradeProposal(
        rounding,
        tuple(
            _grade_category(category, by_category[category], rounding, ratios)
            for category in Category
            if category in by_category
        ),
    )
