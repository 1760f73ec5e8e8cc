"""The score of SPEC §8 (policy §19): pure Decimal arithmetic, no database, no clock.

`scores compute`, `scores what-if`, the pages and the API all call `score_units`. Every component
is kept unrounded; `rounded()` gives the half-up two-decimal value used for display and ranking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from flask_babel import gettext as _

from app.scoring.inputs import DepartmentalItem, IndicatorInput, PublicRatings, UnitInputs
from app.scoring.problems import InputsProblem, Problem

CENT = Decimal("0.01")
DEFAULT_LEVEL_SCORES: Mapping[str, Decimal] = MappingProxyType(
    {
        "非常满意": Decimal(100),
        "满意": Decimal(75),
        "基本满意": Decimal(50),
        "不满意": Decimal(25),
        "非常不满意": Decimal(0),
    }
)


@dataclass(frozen=True)
class ScoreScheme:
    """The numbers of SPEC §8 with their defaults; a year's scheme may change them."""

    indicator_points: Decimal = Decimal(80)
    leading_group_points: Decimal = Decimal(20)
    leader_points: Decimal = Decimal(20)
    public_points: Decimal = Decimal(30)
    daily_share: Decimal = Decimal("0.4")
    yearend_share: Decimal = Decimal("0.6")
    departmental_points: Decimal = Decimal(50)
    indicator_share: Decimal = Decimal("0.6")
    process_share: Decimal = Decimal("0.4")
    indicator_and_process_share: Decimal = Decimal("0.6")
    evaluation_share: Decimal = Decimal("0.4")
    min_daily_ratings: int = 30
    level_scores: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_LEVEL_SCORES)


DEFAULT_SCHEME = ScoreScheme()
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class UnitScore:
    """Every component of one unit's score, unrounded (D is None when absent)."""

    code: str
    K: Decimal
    L: Decimal
    I: Decimal  # noqa: E741
    P: Decimal
    Leader: Decimal
    D: Decimal | None
    Y: Decimal
    Public: Decimal
    Dept: Decimal
    E: Decimal
    T: Decimal

    def components(self) -> dict[str, Decimal | None]:
        """The components by SPEC §8's names, in the order of the formula."""
        return {
            "K": self.K,
            "L": self.L,
            "I": self.I,
            "P": self.P,
            "Leader": self.Leader,
            "D": self.D,
            "Y": self.Y,
            "Public": self.Public,
            "Dept": self.Dept,
            "E": self.E,
            "T": self.T,
        }


def rounded(value: Decimal) -> Decimal:
    """Half-up to two decimals, as display and ranking use it."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _mean(values: Iterable[Decimal]) -> Decimal:
    read = list(values)
    return sum(read, Decimal(0)) / len(read)


def indicator_score(indicators: Iterable[IndicatorInput], scheme: ScoreScheme) -> Decimal | None:
    """K = 80 × Σwc / Σw over indicators not cancelled; None when no weight is left."""
    kept = [i for i in indicators if not i.cancelled]
    total_weight = sum((i.weight for i in kept), Decimal(0))
    if total_weight == 0:
        return None
    achieved = sum((i.weight * i.completion for i in kept), Decimal(0))
    return scheme.indicator_points * achieved / total_weight


def rating_score(ratings: tuple[Decimal, ...], points: Decimal) -> Decimal | None:
    """points × mean(ratings) / 100 (L from the leading group, Leader); None without ratings."""
    return points * _mean(ratings) / _HUNDRED if ratings else None


def process_score(deductions: Decimal, bonuses: Decimal) -> Decimal:
    """P = 100 − deductions + bonuses, clamped to [0, 100]."""
    return min(max(_HUNDRED - deductions + bonuses, Decimal(0)), _HUNDRED)


def mean_level_score(counts: Mapping[str, int], scheme: ScoreScheme) -> Decimal | None:
    """The mean level score of the counted ratings or answers; None when there are none."""
    total = sum(counts.values())
    if total == 0:
        return None
    points = sum((scheme.level_scores[level] * n for level, n in counts.items()), Decimal(0))
    return points / total


def daily_score(ratings: PublicRatings, scheme: ScoreScheme) -> Decimal | None:
    """D: given, or the mean level score of the valid ratings; absent below the minimum count."""
    if ratings.counts is None:
        return ratings.given
    if sum(ratings.counts.values()) < scheme.min_daily_ratings:
        return None
    return mean_level_score(ratings.counts, scheme)


def yearend_score(answers: PublicRatings, scheme: ScoreScheme) -> Decimal | None:
    """Y: given, or the mean level score of the answers; None when there is nothing."""
    if answers.counts is None:
        return answers.given
    return mean_level_score(answers.counts, scheme)


def public_score(daily: Decimal | None, yearend: Decimal, scheme: ScoreScheme) -> Decimal:
    """Public = 30 × (0.4·D + 0.6·Y) / 100, or 30 × Y / 100 when D is absent."""
    if daily is None:
        return scheme.public_points * yearend / _HUNDRED
    blended = scheme.daily_share * daily + scheme.yearend_share * yearend
    return scheme.public_points * blended / _HUNDRED


def departmental_score(
    items: Mapping[str, DepartmentalItem], scheme: ScoreScheme
) -> Decimal | None:
    """Dept = 50 × Σactual / Σfull over the items taken (pro-rated); None when none is taken."""
    if not items:
        return None
    actual = sum((item.actual for item in items.values()), Decimal(0))
    full = sum((item.full for item in items.values()), Decimal(0))
    return scheme.departmental_points * actual / full


def total_score(
    indicator: Decimal, process: Decimal, evaluation: Decimal, scheme: ScoreScheme
) -> Decimal:
    """T = (0.6·I + 0.4·P) × 0.6 + 0.4·E, from the unrounded parts."""
    inner = scheme.indicator_share * indicator + scheme.process_share * process
    return inner * scheme.indicator_and_process_share + scheme.evaluation_share * evaluation


def score_unit(unit: UnitInputs, scheme: ScoreScheme = DEFAULT_SCHEME) -> UnitScore:
    """One unit's score, or InputsProblem naming each missing input of the unit."""
    k = indicator_score(unit.indicators, scheme)
    l_ = rating_score(unit.leading_group, scheme.leading_group_points)
    leader = rating_score(unit.leaders, scheme.leader_points)
    y = yearend_score(unit.yearend, scheme)
    dept = departmental_score(unit.departmental, scheme)
    if k is None or l_ is None or leader is None or y is None or dept is None:
        raise InputsProblem(
            [
                Problem.at(unit.code, name, why)
                for name, value, why in (
                    ("indicators", k, _("no verified indicator with a weight.")),
                    ("leading_group", l_, _("no leading-group rating.")),
                    ("leaders", leader, _("no leader rating at all.")),
                    ("yearend", y, _("no year-end public evaluation (Y).")),
                    ("departmental", dept, _("no departmental item at all.")),
                )
                if value is None
            ]
        )
    d = daily_score(unit.daily, scheme)
    public = public_score(d, y, scheme)
    indicator = k + l_
    process = process_score(unit.deductions, unit.bonuses)
    evaluation = leader + public + dept
    return UnitScore(
        code=unit.code,
        K=k,
        L=l_,
        I=indicator,
        P=process,
        Leader=leader,
        D=d,
        Y=y,
        Public=public,
        Dept=dept,
        E=evaluation,
        T=total_score(indicator, process, evaluation, scheme),
    )


def score_units(
    units: Iterable[UnitInputs], scheme: ScoreScheme = DEFAULT_SCHEME
) -> list[UnitScore]:
    """Every unit's score, or one InputsProblem listing the missing inputs of all units."""
    scores: list[UnitScore] = []
    problems: list[Problem] = []
    for unit in units:
        try:
            scores.append(score_unit(unit, scheme))
        except InputsProblem as error:
            problems.extend(error.problems)
    if problems:
        raise InputsProblem(problems)
    return scores
