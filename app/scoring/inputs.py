"""CONTRACT's scoring inputs (JSON) read into typed values; each problem names unit and input."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from app.org.models import Category
from app.scoring.problems import InputReader, InputsProblem, Problem

LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
DEPARTMENTAL_ITEMS = ("leadership", "party", "security", "energy", "budget")
_HUNDRED = Decimal(100)


class QuotaRounding(StrEnum):
    """How the grade quotas 0.4·N and 0.9·N become whole places (SPEC §9)."""

    FLOOR = "floor"
    HALF_UP = "half_up"

    @property
    def label(self) -> str:
        labels = {
            QuotaRounding.FLOOR: _("rounded down (⌊0.4·N⌋, ⌊0.9·N⌋)"),
            QuotaRounding.HALF_UP: _("rounded half-up"),
        }
        return str(labels[self])


def rounding_label(value: str) -> str:
    """How a stored rounding value reads; an unknown value as itself."""
    try:
        return QuotaRounding(value).label
    except ValueError:
        return value


@dataclass(frozen=True)
class IndicatorInput:
    """One approved indicator: weight and verified completion c."""

    weight: Decimal
    completion: Decimal
    cancelled: bool = False


@dataclass(frozen=True)
class PublicRatings:
    """Valid ratings counted per level, or the score given directly (None: given as absent)."""

    counts: Mapping[str, int] | None = None
    given: Decimal | None = None


@dataclass(frozen=True)
class DepartmentalItem:
    """A departmental item the unit takes part in: its score on the item's scale."""

    actual: Decimal
    full: Decimal


@dataclass(frozen=True)
class UnitInputs:
    """Everything the score and the grade of one unit are computed from."""

    code: str
    category: Category
    headcount: int
    indicators: tuple[IndicatorInput, ...]
    leading_group: tuple[Decimal, ...]
    deductions: Decimal
    bonuses: Decimal
    leaders: tuple[Decimal, ...]
    daily: PublicRatings
    yearend: PublicRatings
    departmental: Mapping[str, DepartmentalItem]
    disqualified: bool = False


@dataclass(frozen=True)
class ScoringInputs:
    """A year's scoring inputs, as `scores inputs` prints them and `scores what-if` reads them."""

    year: int
    units: tuple[UnitInputs, ...]
    quota_rounding: QuotaRounding = QuotaRounding.FLOOR


def parse_inputs_text(text: str | bytes) -> ScoringInputs:
    """Read an inputs file's text: numbers as Decimal from their text, every problem reported."""
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputsProblem(
            [Problem(None, "", _("The inputs file is not valid JSON: %(error)s", error=error))]
        ) from error
    return parse_inputs(document)


def _refuse_constant(name: str) -> str:
    return name  # NaN and Infinity stay text, which the number check then refuses by name


def parse_inputs(document: Any) -> ScoringInputs:
    """Typed inputs from a parsed JSON document, or InputsProblem listing every problem."""
    reader = InputReader(unit=None)
    if not isinstance(document, dict):
        reader.problem("", _("must be a JSON object."))
        raise InputsProblem(reader.problems)
    year = reader.count(reader.required(document, "year"), "year")
    rounding = _quota_rounding(reader, document.get("quota_rounding", QuotaRounding.FLOOR.value))
    raw_units = reader.required(document, "units")
    units: list[UnitInputs] = []
    problems = reader.problems
    if raw_units is not None and not isinstance(raw_units, list):
        reader.problem("units", _("must be a list of units."))
    seen: set[str] = set()
    for position, raw in enumerate(raw_units if isinstance(raw_units, list) else []):
        unit, unit_problems = _parse_unit(raw, position)
        problems.extend(unit_problems)
        code = raw.get("code") if isinstance(raw, dict) else None
        if isinstance(code, str) and code in seen:
            reader.problem(f"units[{position}].code", _("%(code)s appears twice.", code=code))
        elif isinstance(code, str):
            seen.add(code)
        if unit is not None:
            units.append(unit)
    if problems or year is None or rounding is None:
        raise InputsProblem(problems)
    return ScoringInputs(year=year, units=tuple(units), quota_rounding=rounding)


def parse_unit_inputs(document: Any, code: str) -> UnitInputs | None:
    """One unit's typed inputs from a stored (already checked) inputs document, without reading
    the other units': the explain page of one unit needs only its own. None if it has none."""
    raw_units = document.get("units") if isinstance(document, dict) else None
    for position, raw in enumerate(raw_units if isinstance(raw_units, list) else []):
        if isinstance(raw, dict) and raw.get("code") == code:
            unit, problems = _parse_unit(raw, position)
            if problems:
                raise InputsProblem(problems)
            return unit
    return None


def _quota_rounding(reader: InputReader, value: Any) -> QuotaRounding | None:
    try:
        return QuotaRounding(value)
    except ValueError:
        reader.problem(
            "quota_rounding",
            _(
                "%(value)s is not floor or half_up.",
                value=json.dumps(value, default=str, ensure_ascii=False),
            ),
        )
        return None


def _parse_unit(raw: Any, position: int) -> tuple[UnitInputs | None, list[Problem]]:
    code = raw.get("code") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(code, str) or not code.strip():
        reader = InputReader(unit=None)
        reader.problem(f"units[{position}].code", _("every unit needs its code."))
        return None, reader.problems
    reader = InputReader(unit=code)
    category = _category(reader, reader.required(raw, "category"))
    headcount = reader.count(raw.get("headcount"), "headcount")
    indicators = _indicators(reader, reader.required(raw, "indicators"))
    unit = UnitInputs(
        code=code,
        category=category or Category.PARTY_GOV,
        headcount=headcount or 0,
        indicators=indicators,
        leading_group=reader.numbers(raw.get("leading_group"), "leading_group", high=_HUNDRED),
        deductions=reader.number(raw.get("deductions", 0), "deductions", low=Decimal(0))
        or Decimal(0),
        bonuses=reader.number(raw.get("bonuses", 0), "bonuses", low=Decimal(0)) or Decimal(0),
        leaders=reader.numbers(raw.get("leaders"), "leaders", high=_HUNDRED),
        daily=_public(reader, raw, "daily", "D", may_be_absent=True),
        yearend=_public(reader, raw, "yearend", "Y", may_be_absent=False),
        departmental=_departmental(reader, reader.required(raw, "departmental")),
        disqualified=reader.flag(raw, "disqualified"),
    )
    return (None if reader.problems else unit), reader.problems


def _category(reader: InputReader, value: Any) -> Category | None:
    if value is None:
        return None
    try:
        return Category(value)
    except ValueError:
        reader.problem(
            "category",
            _(
                "%(value)s is not a category.",
                value=json.dumps(value, default=str, ensure_ascii=False),
            ),
        )
        return None


def _indicators(reader: InputReader, value: Any) -> tuple[IndicatorInput, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.problem("indicators", _("must be a list of indicators."))
        return ()
    read: list[IndicatorInput] = []
    for i, item in enumerate(value):
        where = f"indicators[{i}]"
        if not isinstance(item, dict):
            reader.problem(where, _("must be an object with weight and completion."))
            continue
        weight = reader.number(item.get("weight"), f"{where}.weight", low=Decimal(0))
        completion = reader.number(
            item.get("completion"),
            f"{where}.completion",
            low=Decimal(0),
            high=Decimal(1),
        )
        cancelled = item.get("cancelled", False)
        if not isinstance(cancelled, bool):
            reader.problem(f"{where}.cancelled", _("must be true or false."))
        if weight is not None and completion is not None:
            read.append(IndicatorInput(weight, completion, cancelled is True))
    return tuple(read)


def _public(
    reader: InputReader,
    raw: Mapping[str, Any],
    counts_key: str,
    score_key: str,
    *,
    may_be_absent: bool,
) -> PublicRatings:
    if score_key in raw:
        given = raw[score_key]
        if given is None and may_be_absent:
            return PublicRatings()
        return PublicRatings(given=reader.number(given, score_key, low=Decimal(0), high=_HUNDRED))
    counts = reader.required(raw, counts_key, f"{counts_key} / {score_key}")
    if counts is None:
        return PublicRatings()
    if not isinstance(counts, dict):
        reader.problem(counts_key, _("must give a count per level."))
        return PublicRatings()
    read: dict[str, int] = {}
    for level, value in counts.items():
        if level not in LEVELS:
            reader.problem(
                f"{counts_key}.{level}",
                _("unknown level; the levels are %(levels)s.", levels="、".join(LEVELS)),
            )
            continue
        number = reader.count(value, f"{counts_key}.{level}")
        if number is not None:
            read[level] = number
    return PublicRatings(counts=read)


def _departmental(reader: InputReader, value: Any) -> Mapping[str, DepartmentalItem]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.problem("departmental", _("must map each item taken to [actual, full]."))
        return {}
    read: dict[str, DepartmentalItem] = {}
    for item, pair in value.items():
        where = f"departmental.{item}"
        if item not in DEPARTMENTAL_ITEMS:
            reader.problem(
                where,
                _(
                    "unknown departmental item; the items are %(items)s.",
                    items=", ".join(DEPARTMENTAL_ITEMS),
                ),
            )
            continue
        if not isinstance(pair, list) or len(pair) != 2:
            reader.problem(where, _("must be [actual, full]."))
            continue
        full = reader.number(pair[1], f"{where}[1]", low=Decimal(0))
        actual = reader.number(pair[0], f"{where}[0]", low=Decimal(0))
        if full is not None and full == 0:
            reader.problem(f"{where}[1]", _("the full mark must be above 0."))
        elif full is not None and actual is not None and actual > full:
            reader.problem(
                where, _("%(actual)s is above the full mark %(full)s.", actual=actual, full=full)
            )
        elif full is not None and actual is not None:
            read[item] = DepartmentalItem(actual, full)
    return read


def inputs_as_json(inputs: ScoringInputs) -> dict[str, Any]:
    """The inputs in CONTRACT's format, numbers as text: reading them back gives the same values."""
    return {
        "year": inputs.year,
        "quota_rounding": inputs.quota_rounding.value,
        "units": [_unit_as_json(unit) for unit in inputs.units],
    }


def _unit_as_json(unit: UnitInputs) -> dict[str, Any]:
    return {
        "code": unit.code,
        "category": unit.category.value,
        "headcount": unit.headcount,
        "indicators": [
            {"weight": str(i.weight), "completion": str(i.completion), "cancelled": i.cancelled}
            for i in unit.indicators
        ],
        "leading_group": [str(r) for r in unit.leading_group],
        "deductions": str(unit.deductions),
        "bonuses": str(unit.bonuses),
        "leaders": [str(r) for r in unit.leaders],
        **_public_as_json(unit.daily, "daily", "D"),
        **_public_as_json(unit.yearend, "yearend", "Y"),
        "departmental": {
            item: [str(pair.actual), str(pair.full)] for item, pair in unit.departmental.items()
        },
        "disqualified": unit.disqualified,
    }


def _public_as_json(ratings: PublicRatings, counts_key: str, score_key: str) -> dict[str, Any]:
    if ratings.counts is not None:
        return {counts_key: dict(ratings.counts)}
    return {score_key: None if ratings.given is None else str(ratings.given)}
