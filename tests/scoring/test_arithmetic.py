"""SPEC §8: the score, component by component, in Decimal."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from app.scoring.arithmetic import (
    ScoreScheme,
    daily_score,
    departmental_score,
    process_score,
    rounded,
    score_unit,
    score_units,
)
from app.scoring.inputs import DepartmentalItem, IndicatorInput, PublicRatings
from app.scoring.problems import InputsProblem
from tests.scoring.builders import worked_example


def test_the_worked_example_of_spec_8_totals_91_39() -> None:
    score = score_unit(worked_example())
    assert (score.K, score.L, score.I, score.P) == (72, 18, 90, 95)
    assert (score.Leader, score.D, score.Y, score.Public) == (18, 80, 90, Decimal("25.8"))
    assert rounded(score.Dept) == Decimal("46.67")
    assert rounded(score.E) == Decimal("90.47")
    assert (Decimal(54) + Decimal(38)) * Decimal("0.6") + Decimal("0.4") * score.E == score.T
    assert rounded(score.T) == Decimal("91.39")


def test_t_is_computed_from_the_unrounded_parts() -> None:
    score = score_unit(worked_example())
    from_rounded = (
        Decimal("0.6") * rounded(score.I) + Decimal("0.4") * rounded(score.P)
    ) * Decimal("0.6") + Decimal("0.4") * rounded(score.E)
    assert from_rounded != score.T
    assert str(score.T).startswith("91.38666666")


def test_without_d_the_public_score_is_30_times_y() -> None:
    score = score_unit(replace(worked_example(), daily=PublicRatings()))
    assert score.D is None
    assert score.Public == 27  # 30 × 90 / 100


def test_d_from_counts_is_the_mean_level_score() -> None:
    counts = {"非常满意": 8, "满意": 32, "基本满意": 0, "不满意": 0, "非常不满意": 0}
    assert daily_score(PublicRatings(counts=counts), ScoreScheme()) == 80  # (800 + 2400) / 40


def test_d_is_absent_with_fewer_than_30_valid_ratings() -> None:
    scheme = ScoreScheme()
    assert daily_score(PublicRatings(counts={"非常满意": 29}), scheme) is None
    assert daily_score(PublicRatings(counts={"非常满意": 30}), scheme) == 100


def test_level_scores_and_the_minimum_come_from_the_scheme() -> None:
    scheme = ScoreScheme(
        min_daily_ratings=2, level_scores={"非常满意": Decimal(90), "满意": Decimal(60)}
    )
    assert daily_score(PublicRatings(counts={"非常满意": 1, "满意": 1}), scheme) == 75


def test_y_from_answer_counts() -> None:
    unit = replace(
        worked_example(),
        yearend=PublicRatings(counts={"非常满意": 30, "满意": 20, "基本满意": 0}),
    )
    assert score_unit(unit).Y == 90  # (3000 + 1500) / 50


def test_dept_is_pro_rated_over_the_items_taken() -> None:
    items = {
        "party": DepartmentalItem(Decimal(8), Decimal(10)),
        "budget": DepartmentalItem(Decimal(4), Decimal(5)),
    }
    assert departmental_score(items, ScoreScheme()) == 40  # 50 × 12 / 15
    full_marks = {"party": DepartmentalItem(Decimal(10), Decimal(10))}
    assert departmental_score(full_marks, ScoreScheme()) == 50


def test_cancelled_indicators_leave_the_weights() -> None:
    unit = replace(
        worked_example(),
        indicators=(
            IndicatorInput(Decimal(60), Decimal(1)),
            IndicatorInput(Decimal(20), Decimal("0.5")),
            IndicatorInput(Decimal(20), Decimal(0), cancelled=True),
        ),
    )
    assert score_unit(unit).K == 70  # 80 × (60 + 10) / 80


def test_p_is_clamped_to_0_and_100() -> None:
    assert process_score(Decimal(0), Decimal(5)) == 100
    assert process_score(Decimal(120), Decimal(0)) == 0
    assert process_score(Decimal("3.5"), Decimal(1)) == Decimal("97.5")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("91.385", "91.39"), ("91.384999", "91.38"), ("0.005", "0.01"), ("70.995", "71.00")],
)
def test_rounding_is_half_up_at_the_half_cent(value: str, shown: str) -> None:
    assert str(rounded(Decimal(value))) == shown


def test_each_missing_input_is_an_error_naming_the_unit_and_the_input() -> None:
    unit = replace(
        worked_example(),
        indicators=(IndicatorInput(Decimal(80), Decimal(1), cancelled=True),),
        leading_group=(),
        leaders=(),
        yearend=PublicRatings(),
        departmental={},
    )
    with pytest.raises(InputsProblem) as raised:
        score_unit(unit)
    named = {(p.unit, p.input) for p in raised.value.problems}
    assert named == {
        ("FGW", "indicators"),
        ("FGW", "leading_group"),
        ("FGW", "leaders"),
        ("FGW", "yearend"),
        ("FGW", "departmental"),
    }
    assert all("FGW" in p.message for p in raised.value.problems)


def test_y_from_counts_with_no_answer_is_missing_not_zero() -> None:
    unit = replace(worked_example(), yearend=PublicRatings(counts={}))
    with pytest.raises(InputsProblem, match="FGW"):
        score_unit(unit)


def test_missing_inputs_of_every_unit_are_reported_together() -> None:
    first = replace(worked_example(), code="A", leaders=())
    second = replace(worked_example(), code="B", departmental={})
    with pytest.raises(InputsProblem) as raised:
        score_units([first, second])
    assert [(p.unit, p.input) for p in raised.value.problems] == [
        ("A", "leaders"),
        ("B", "departmental"),
    ]


def test_weights_come_from_the_scheme() -> None:
    scheme = ScoreScheme(
        evaluation_share=Decimal("0.5"), indicator_and_process_share=Decimal("0.5")
    )
    score = score_unit(worked_example(), scheme)
    assert Decimal("0.5") * (Decimal(54) + Decimal(38)) + Decimal("0.5") * score.E == score.T
