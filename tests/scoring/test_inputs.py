"""CONTRACT's scoring inputs: typed reading and one clear message per problem."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from app.org.models import Category
from app.scoring.inputs import (
    QuotaRounding,
    inputs_as_json,
    parse_inputs,
    parse_inputs_text,
    parse_unit_inputs,
)
from app.scoring.problems import InputsProblem
from tests.scoring.builders import worked_example_document


def document(*units: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"year": 2026, "units": list(units), **top}


def problems_of(doc: Any) -> list[tuple[str | None, str]]:
    with pytest.raises(InputsProblem) as raised:
        parse_inputs_text(json.dumps(doc))
    for problem in raised.value.problems:
        if problem.unit is not None:
            assert problem.unit in problem.message
        assert problem.input in problem.message
        assert problem.message in raised.value.message
    return [(p.unit, p.input) for p in raised.value.problems]


def test_a_good_file_reads_into_typed_values() -> None:
    inputs = parse_inputs_text(json.dumps(document(worked_example_document())))
    assert inputs.year == 2026
    assert inputs.quota_rounding is QuotaRounding.FLOOR
    (unit,) = inputs.units
    assert unit.code == "FGW"
    assert unit.category is Category.ECONOMIC
    assert unit.headcount == 260
    assert [i.weight for i in unit.indicators] == [Decimal(30), Decimal(50)]
    assert unit.daily.given == 80
    assert unit.departmental["leadership"].full == 15


def test_json_numbers_are_read_as_decimal_from_their_text() -> None:
    text = json.dumps(document(worked_example_document())).replace('"0.9"', "0.1")
    (unit,) = parse_inputs_text(text).units
    assert unit.indicators[0].completion == Decimal("0.1")
    assert str(unit.indicators[0].completion) == "0.1"


def test_counts_instead_of_d_and_y_and_d_null_is_absent() -> None:
    unit = worked_example_document()
    del unit["D"], unit["Y"]
    unit["daily"] = {"非常满意": 8, "满意": "32"}
    unit["yearend"] = {"非常满意": 30, "满意": 20, "基本满意": 0, "不满意": 0, "非常不满意": 0}
    other = {**worked_example_document("NYT"), "D": None}
    first, second = parse_inputs_text(json.dumps(document(unit, other))).units
    assert first.daily.counts == {"非常满意": 8, "满意": 32}
    assert first.yearend.counts is not None
    assert second.daily.counts is None
    assert second.daily.given is None


def test_a_completion_of_1_5_names_the_unit_and_the_indicator() -> None:
    unit = worked_example_document()
    unit["indicators"][1]["completion"] = "1.5"
    assert problems_of(document(unit)) == [("FGW", "indicators[1].completion")]


def test_a_negative_weight_is_refused() -> None:
    unit = worked_example_document()
    unit["indicators"][0]["weight"] = -5
    assert problems_of(document(unit)) == [("FGW", "indicators[0].weight")]


@pytest.mark.parametrize("text", ["abc", "", "NaN", "1,5", True])
def test_text_where_a_number_goes_is_refused(text: Any) -> None:
    unit = worked_example_document()
    unit["leaders"] = ["80", text]
    assert problems_of(document(unit)) == [("FGW", "leaders[1]")]


def test_a_list_or_a_huge_number_where_a_number_goes_is_refused() -> None:
    unit = worked_example_document()
    unit["indicators"][0]["weight"] = [1.5]
    unit["deductions"] = "1e999999"
    assert problems_of(document(unit)) == [("FGW", "indicators[0].weight"), ("FGW", "deductions")]


def test_json_nan_is_not_a_number() -> None:
    text = json.dumps(document(worked_example_document())).replace(
        '"deductions": "5"', '"deductions": NaN'
    )
    with pytest.raises(InputsProblem) as raised:
        parse_inputs_text(text)
    assert [(p.unit, p.input) for p in raised.value.problems] == [("FGW", "deductions")]


def test_missing_fields_are_each_named() -> None:
    unit = worked_example_document()
    for key in ("category", "headcount", "indicators", "leaders", "Y", "departmental"):
        del unit[key]
    unit["indicators"] = [{"weight": "10"}]
    assert problems_of(document(unit)) == [
        ("FGW", "category"),
        ("FGW", "headcount"),
        ("FGW", "indicators[0].completion"),
        ("FGW", "leaders"),
        ("FGW", "yearend / Y"),
        ("FGW", "departmental"),
    ]


def test_y_null_is_missing_but_d_null_is_not() -> None:
    unit = {**worked_example_document(), "Y": None, "D": None}
    assert problems_of(document(unit)) == [("FGW", "Y")]


def test_unknown_departmental_item_and_actual_above_full() -> None:
    unit = worked_example_document()
    unit["departmental"] = {"sports": ["1", "5"], "energy": ["11", "10"], "budget": ["5", "0"]}
    assert problems_of(document(unit)) == [
        ("FGW", "departmental.sports"),
        ("FGW", "departmental.energy"),
        ("FGW", "departmental.budget[1]"),
    ]


def test_bad_level_names_and_counts() -> None:
    unit = worked_example_document()
    del unit["D"]
    unit["daily"] = {"很好": 3, "满意": -1, "不满意": "2.5"}
    assert problems_of(document(unit)) == [
        ("FGW", "daily.很好"),
        ("FGW", "daily.满意"),
        ("FGW", "daily.不满意"),
    ]


def test_bad_quota_rounding_year_and_category() -> None:
    unit = {**worked_example_document(), "category": "economy"}
    doc = document(unit, quota_rounding="ceiling", year="next")
    assert problems_of(doc) == [(None, "year"), (None, "quota_rounding"), ("FGW", "category")]


def test_every_problem_of_every_unit_is_collected_into_one_error() -> None:
    first = worked_example_document("A")
    first["indicators"][0]["completion"] = 1.5
    second = worked_example_document("B")
    second["indicators"][0]["weight"] = "-1"
    third = worked_example_document("A")
    nameless = {"category": "economic"}
    assert problems_of(document(first, second, third, nameless)) == [
        ("A", "indicators[0].completion"),
        ("B", "indicators[0].weight"),
        (None, "units[2].code"),
        (None, "units[3].code"),
    ]


def test_not_json_at_all() -> None:
    with pytest.raises(InputsProblem, match="JSON"):
        parse_inputs_text("{year: 2026")
    with pytest.raises(InputsProblem):
        parse_inputs([1, 2])


def test_inputs_written_as_json_read_back_the_same() -> None:
    unit = worked_example_document()
    del unit["D"]
    unit["daily"] = {"非常满意": 8, "满意": 32}
    inputs = parse_inputs_text(json.dumps(document(unit, quota_rounding="half_up")))
    assert parse_inputs(json.loads(json.dumps(inputs_as_json(inputs)))) == inputs


def test_one_units_inputs_read_alone_match_the_whole_documents() -> None:
    """The explain page reads only its unit's entry of a stored document."""
    doc = document(worked_example_document(), {**worked_example_document(), "code": "JYT"})
    whole = parse_inputs(doc)
    assert len(whole.units) == 2
    for unit in whole.units:
        assert parse_unit_inputs(doc, unit.code) == unit
    assert parse_unit_inputs(doc, "NO-SUCH-UNIT") is None


def test_a_damaged_unit_entry_read_alone_is_refused_naming_the_unit() -> None:
    doc = document(worked_example_document(), {**worked_example_document(), "code": "JYT"})
    code = "FGW"
    doc["units"][0]["indicators"][0]["completion"] = 1.5
    assert parse_unit_inputs(doc, "JYT") is not None  # the damage is not in this unit
    with pytest.raises(InputsProblem) as raised:
        parse_unit_inputs(doc, code)
    assert any(problem.unit == code for problem in raised.value.problems)
