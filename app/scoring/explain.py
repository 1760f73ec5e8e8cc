""" "Explain my score": every component of a unit's stored score with the numbers behind it, read
from the inputs the run was computed from, so that each point can be checked by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from app.errors import NotFound
from app.scoring.arithmetic import DEFAULT_SCHEME, ScoreScheme, mean_level_score, rounded
from app.scoring.inputs import PublicRatings, UnitInputs, parse_unit_inputs
from app.scoring.models import ScoreRow, ScoreRun

DEPARTMENTAL_ITEMS = ("leadership", "party", "security", "energy", "budget")


def shown(value: Decimal | None) -> str:
    """Two decimals, half-up, as the tables show it; an absent value as a dash."""
    return "—" if value is None else f"{rounded(value):.2f}"


@dataclass(frozen=True)
class Component:
    """One part of the score: its symbol, what it is, its value and how it was reached."""

    symbol: str
    title: str
    value: str
    formula: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (what, number) behind it


@dataclass(frozen=True)
class Explanation:
    """A unit's score in one run, component by component."""

    run: ScoreRun
    row: ScoreRow
    components: list[Component]
    inputs: UnitInputs


def _item_title(key: str) -> str:
    titles: dict[str, str] = {
        "leadership": _("Leadership assessment"),
        "party": _("Party building"),
        "security": _("Public security governance"),
        "energy": _("Public-institution energy saving"),
        "budget": _("Budget performance"),
    }
    return titles.get(key, key)


def _indicator_part(unit: UnitInputs, row: ScoreRow, scheme: ScoreScheme) -> Component:
    kept = [i for i in unit.indicators if not i.cancelled]
    weights = sum((i.weight for i in kept), Decimal(0))
    achieved = sum((i.weight * i.completion for i in kept), Decimal(0))
    rows = [
        (
            _("Indicator %(n)d", n=number)
            + (_(" (cancelled, not counted)") if indicator.cancelled else ""),
            _("weight %(w)s × completion %(c)s", w=indicator.weight, c=indicator.completion),
        )
        for number, indicator in enumerate(unit.indicators, start=1)
    ]
    return Component(
        "K",
        _("Indicator completion"),
        shown(Decimal(row.k)),
        f"{scheme.indicator_points} × Σwc / Σw"
        f" = {scheme.indicator_points} × {achieved} / {weights}",
        rows,
    )


def _ratings_part(
    symbol: str, title: str, ratings: tuple[Decimal, ...], points: Decimal, value: str
) -> Component:
    mean = sum(ratings, Decimal(0)) / len(ratings) if ratings else None
    return Component(
        symbol,
        title,
        value,
        f"{points} × {shown(mean)} / 100",
        [(_("Ratings"), str(len(ratings))), (_("Mean"), shown(mean))],
    )


def _public_rows(ratings: PublicRatings, scheme: ScoreScheme) -> list[tuple[str, str]]:
    if ratings.counts is None:
        return [(_("Given directly"), shown(ratings.given))]
    rows = [(level, str(ratings.counts.get(level, 0))) for level in scheme.level_scores]
    total = sum(ratings.counts.values())
    rows.append((_("Counted"), str(total)))
    rows.append((_("Mean level score"), shown(mean_level_score(ratings.counts, scheme))))
    return rows


def _public_part(unit: UnitInputs, row: ScoreRow, scheme: ScoreScheme) -> list[Component]:
    daily = None if row.d is None else Decimal(row.d)
    yearend = Decimal(row.y)
    if daily is None:
        formula = (
            f"{scheme.public_points} × Y / 100 = {scheme.public_points} × {shown(yearend)} / 100"
        )
    else:
        formula = (
            f"{scheme.public_points} × ({scheme.daily_share}·D + {scheme.yearend_share}·Y) / 100"
            f" = {scheme.public_points} × ({scheme.daily_share} × {shown(daily)}"
            f" + {scheme.yearend_share} × {shown(yearend)}) / 100"
        )
    absent = (
        _("absent: fewer than %(n)d valid ratings", n=scheme.min_daily_ratings)
        if daily is None
        else shown(daily)
    )
    return [
        Component("D", _("Public daily rating"), absent, "", _public_rows(unit.daily, scheme)),
        Component(
            "Y", _("Year-end public survey"), shown(yearend), "", _public_rows(unit.yearend, scheme)
        ),
        Component("Public", _("Public evaluation"), shown(Decimal(row.public)), formula),
    ]


def _departmental_part(unit: UnitInputs, row: ScoreRow, scheme: ScoreScheme) -> Component:
    actual = sum((item.actual for item in unit.departmental.values()), Decimal(0))
    full = sum((item.full for item in unit.departmental.values()), Decimal(0))
    rows = [
        (_item_title(key), f"{item.actual} / {item.full}")
        for key, item in sorted(
            unit.departmental.items(), key=lambda pair: DEPARTMENTAL_ITEMS.index(pair[0])
        )
    ]
    rows += [
        (_item_title(key), _("not taking part"))
        for key in DEPARTMENTAL_ITEMS
        if key not in unit.departmental
    ]
    return Component(
        "Dept",
        _("Departmental evaluation"),
        shown(Decimal(row.dept)),
        f"{scheme.departmental_points} × Σactual / Σfull = "
        f"{scheme.departmental_points} × {actual} / {full}",
        rows,
    )


def explain(run: ScoreRun, unit_code: str, scheme: ScoreScheme = DEFAULT_SCHEME) -> Explanation:
    """The unit's score in `run`, every component with the numbers behind it."""
    row = next((r for r in run.rows if r.unit.code == unit_code), None)
    unit = parse_unit_inputs(run.inputs, unit_code)
    if row is None or unit is None:
        raise NotFound(_("%(code)s has no score in this version.", code=unit_code))
    i, p, e = Decimal(row.i), Decimal(row.p), Decimal(row.e)
    components = [
        _indicator_part(unit, row, scheme),
        _ratings_part(
            "L",
            _("Leading-group assessment"),
            unit.leading_group,
            scheme.leading_group_points,
            shown(Decimal(row.l)),
        ),
        Component("I", _("Indicator score"), shown(i), "K + L"),
        Component(
            "P",
            _("Process management and daily assessment"),
            shown(p),
            f"100 − {unit.deductions} + {unit.bonuses}" + _(", kept within 0–100"),
            [
                (_("Confirmed deductions"), str(unit.deductions)),
                (_("Confirmed bonuses"), str(unit.bonuses)),
            ],
        ),
        _ratings_part(
            "Leader",
            _("Leader evaluation"),
            unit.leaders,
            scheme.leader_points,
            shown(Decimal(row.leader)),
        ),
        *_public_part(unit, row, scheme),
        _departmental_part(unit, row, scheme),
        Component("E", _("Evaluation score"), shown(e), "Leader + Public + Dept"),
        Component(
            "T",
            _("Total"),
            shown(Decimal(row.t)),
            f"({scheme.indicator_share}·I + {scheme.process_share}·P) × "
            f"{scheme.indicator_and_process_share} + {scheme.evaluation_share}·E"
            + _(" (from the unrounded parts)"),
        ),
    ]
    return Explanation(run, row, components, unit)


def chart_data(rows: list[ScoreRow], scheme: ScoreScheme = DEFAULT_SCHEME) -> dict[str, Any]:
    """Each unit's T split into what I, P and E contribute, for the components chart."""
    i_share = scheme.indicator_share * scheme.indicator_and_process_share
    p_share = scheme.process_share * scheme.indicator_and_process_share
    return {
        "labels": [row.unit.name_zh for row in rows],
        "I": [float(rounded(i_share * Decimal(row.i))) for row in rows],
        "P": [float(rounded(p_share * Decimal(row.p))) for row in rows],
        "E": [float(rounded(scheme.evaluation_share * Decimal(row.e))) for row in rows],
    }
