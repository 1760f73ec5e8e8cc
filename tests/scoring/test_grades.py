"""SPEC §9: quotas, the walk down the ranking, ties and disqualification; SPEC §12's places."""

from __future__ import annotations

import pytest

from app.org.models import Category
from app.scoring.grades import (
    DISQUALIFIED_FLAG,
    Grade,
    GradeProposal,
    excellent_places,
    flag_text,
    propose_grades,
    quotas,
    tie_flag,
)
from app.scoring.inputs import QuotaRounding
from tests.scoring.builders import entry

FLOOR = QuotaRounding.FLOOR
HALF_UP = QuotaRounding.HALF_UP


def grades_of(proposal: GradeProposal) -> dict[str, str]:
    return {unit.code: unit.grade.value for unit in proposal.units}


@pytest.mark.parametrize(
    ("n", "floor", "half_up"),
    [
        (1, (0, 0), (0, 1)),
        (2, (0, 1), (1, 2)),
        (3, (1, 2), (1, 3)),
        (4, (1, 3), (2, 4)),
        (5, (2, 4), (2, 5)),
        (6, (2, 5), (2, 5)),
        (7, (2, 6), (3, 6)),
        (8, (3, 7), (3, 7)),
        (9, (3, 8), (4, 8)),
        (10, (4, 9), (4, 9)),
        (11, (4, 9), (4, 10)),
        (12, (4, 10), (5, 11)),
    ],
)
def test_quotas_for_1_to_12_units_in_both_roundings(
    n: int, floor: tuple[int, int], half_up: tuple[int, int]
) -> None:
    assert quotas(n, FLOOR) == floor
    assert quotas(n, HALF_UP) == half_up
    units = [entry(f"U{k:02d}", str(95 - k)) for k in range(n)]
    for rounding, (n1, n2) in ((FLOOR, floor), (HALF_UP, half_up)):
        given = list(grades_of(propose_grades(units, rounding)).values())
        assert given.count("优秀") == n1
        assert given.count("良好") == n2 - n1
        assert given.count("合格") == n - n2


def test_five_units_walk_down_the_ranking() -> None:
    units = [
        entry("E", "75"),
        entry("A", "95"),
        entry("C", "85"),
        entry("B", "90"),
        entry("D", "80"),
    ]
    proposal = propose_grades(units)
    assert [(u.code, u.rank, u.grade.value) for u in proposal.units] == [
        ("A", 1, "优秀"),
        ("B", 2, "优秀"),
        ("C", 3, "良好"),
        ("D", 4, "良好"),
        ("E", 5, "合格"),
    ]
    assert all(u.flags == () for u in proposal.units)


def test_equal_t_is_broken_by_i_then_e_then_p() -> None:
    units = [
        entry("A", "90", i="80"),
        entry("B", "90", i="81"),
        entry("C", "90", i="80", e="81"),
        entry("D", "90", i="80", e="81", p="91"),
        entry("E", "60"),
    ]
    ranked = [(u.code, u.rank) for u in propose_grades(units).units]
    assert ranked == [("B", 1), ("D", 2), ("C", 3), ("A", 4), ("E", 5)]


def test_ranking_compares_rounded_values() -> None:
    units = [entry("A", "90.004", i="80.001"), entry("B", "90.001", i="80.004"), entry("C", "50")]
    proposal = propose_grades(units)
    assert proposal.of("A").rank == proposal.of("B").rank == 1


def test_a_tie_across_the_excellent_boundary_gives_both_excellent_and_is_flagged() -> None:
    units = [
        entry("A", "95"),
        entry("B", "90"),
        entry("C", "90"),
        entry("D", "80"),
        entry("E", "75"),
    ]
    proposal = propose_grades(units)  # n1 = 2, n2 = 4
    assert grades_of(proposal) == {"A": "优秀", "B": "优秀", "C": "优秀", "D": "良好", "E": "合格"}
    assert proposal.of("B").flags == proposal.of("C").flags == (tie_flag(Grade.EXCELLENT, 1),)
    assert proposal.of("B").rank == proposal.of("C").rank == 2
    assert proposal.of("A").flags == ()
    assert "1" in flag_text(tie_flag(Grade.EXCELLENT, 1))


def test_a_tie_across_the_good_boundary_gives_both_good_and_is_flagged() -> None:
    units = [
        entry("A", "95"),
        entry("B", "90"),
        entry("C", "85"),
        entry("D", "80"),
        entry("E", "80"),
    ]
    proposal = propose_grades(units)  # n1 = 2, n2 = 4
    assert grades_of(proposal) == {"A": "优秀", "B": "优秀", "C": "良好", "D": "良好", "E": "良好"}
    assert proposal.of("D").flags == proposal.of("E").flags == ("good_quota_exceeded_by_tie:1",)


def test_a_tie_inside_a_grade_is_not_flagged() -> None:
    units = [
        entry("A", "95"),
        entry("B", "95"),
        entry("C", "85"),
        entry("D", "80"),
        entry("E", "75"),
    ]
    proposal = propose_grades(units)
    assert grades_of(proposal) == {"A": "优秀", "B": "优秀", "C": "良好", "D": "良好", "E": "合格"}
    assert all(u.flags == () for u in proposal.units)


def test_a_disqualified_unit_at_the_top_is_good_and_the_next_ones_excellent() -> None:
    units = [
        entry("A", "98", disqualified=True),
        entry("B", "90"),
        entry("C", "85"),
        entry("D", "80"),
        entry("E", "75"),
    ]
    proposal = propose_grades(units)  # n1 = 2, n2 = 4
    assert grades_of(proposal) == {"A": "良好", "B": "优秀", "C": "优秀", "D": "良好", "E": "合格"}
    assert proposal.of("A").rank == 1
    assert proposal.of("A").flags == (DISQUALIFIED_FLAG,)


def test_a_category_where_everyone_is_below_70_is_all_fail() -> None:
    units = [entry(code, t) for code, t in (("A", "69.99"), ("B", "65"), ("C", "50"), ("D", "30"))]
    proposal = propose_grades(units)
    assert set(grades_of(proposal).values()) == {"不合格"}
    assert [u.rank for u in proposal.units] == [1, 2, 3, 4]


def test_below_70_is_fail_whatever_the_rank() -> None:
    units = [
        entry("A", "95"),
        entry("B", "90"),
        entry("C", "69"),
        entry("D", "60"),
        entry("E", "50"),
    ]
    proposal = propose_grades(units)  # n2 = 4 would reach C and D
    assert grades_of(proposal) == {
        "A": "优秀",
        "B": "优秀",
        "C": "不合格",
        "D": "不合格",
        "E": "不合格",
    }


def test_the_pass_mark_compares_t_as_shown() -> None:
    units = [entry("D", "95"), entry("A", "69.995"), entry("B", "69.994"), entry("C", "69.99")]
    # n1 = 1, n2 = 3: A (shown 70.00) is good; B, shown 69.99, is below 70 whatever its rank
    assert grades_of(propose_grades(units)) == {
        "D": "优秀",
        "A": "良好",
        "B": "不合格",
        "C": "不合格",
    }


def test_each_category_is_graded_on_its_own_quotas() -> None:
    economic = [entry(f"E{k}", str(90 - k)) for k in range(3)]
    central = [entry(f"C{k}", str(90 - k), category=Category.CENTRAL) for k in range(5)]
    proposal = propose_grades(central + economic)
    assert [c.category for c in proposal.categories] == [Category.ECONOMIC, Category.CENTRAL]
    assert [(c.excellent_quota, c.excellent_or_good_quota) for c in proposal.categories] == [
        (1, 2),
        (2, 4),
    ]
    assert grades_of(proposal)["E1"] == "良好"
    assert grades_of(proposal)["C1"] == "优秀"
    assert proposal.of("C0").rank == proposal.of("E0").rank == 1


@pytest.mark.parametrize(
    ("grade", "headcount", "places"),
    [
        (Grade.EXCELLENT, 101, 20),
        (Grade.GOOD, 100, 18),
        (Grade.PASS, 99, 14),
        (Grade.FAIL, 19, 1),
        (Grade.EXCELLENT, 0, 0),
    ],
)
def test_excellent_places_are_the_grade_ratio_of_the_headcount_floored(
    grade: Grade, headcount: int, places: int
) -> None:
    assert excellent_places(grade, headcount) == places


def test_each_unit_carries_its_excellent_places() -> None:
    units = [entry("A", "95", headcount=260), entry("B", "90", headcount=50), entry("C", "60")]
    proposal = propose_grades(units)  # n1 = 1, n2 = 2
    assert [u.excellent_places for u in proposal.units] == [52, 9, 10]
