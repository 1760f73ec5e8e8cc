"""Scoring inputs for tests: SPEC §8's worked example and units scored to a chosen T."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.org.models import Category
from app.scoring.arithmetic import UnitScore
from app.scoring.grades import GradingEntry
from app.scoring.inputs import DepartmentalItem, IndicatorInput, PublicRatings, UnitInputs


def worked_example_document(code: str = "FGW") -> dict[str, Any]:
    """SPEC §8's example as an inputs-file unit: K=72, L=18, P=95, Leader=18, D=80, Y=90."""
    return {
        "code": code,
        "category": "economic",
        "headcount": 260,
        "indicators": [
            {"weight": "30", "completion": "0.9", "cancelled": False},
            {"weight": 50, "completion": 0.9},
        ],
        "leading_group": ["90", "85", "95"],
        "deductions": "5",
        "bonuses": "0",
        "leaders": ["80", "100"],
        "D": "80",
        "Y": "90",
        "departmental": {"leadership": ["14", "15"], "energy": ["9", "10"], "budget": ["5", "5"]},
        "disqualified": False,
    }


def worked_example() -> UnitInputs:
    """SPEC §8's example as typed inputs."""
    return UnitInputs(
        code="FGW",
        category=Category.ECONOMIC,
        headcount=260,
        indicators=(IndicatorInput(Decimal(80), Decimal("0.9")),),
        leading_group=(Decimal(90),),
        deductions=Decimal(5),
        bonuses=Decimal(0),
        leaders=(Decimal(90),),
        daily=PublicRatings(given=Decimal(80)),
        yearend=PublicRatings(given=Decimal(90)),
        departmental={
            "leadership": DepartmentalItem(Decimal(14), Decimal(15)),
            "energy": DepartmentalItem(Decimal(9), Decimal(10)),
            "budget": DepartmentalItem(Decimal(5), Decimal(5)),
        },
    )


def entry(
    code: str,
    t: str,
    *,
    i: str = "80",
    e: str = "80",
    p: str = "90",
    disqualified: bool = False,
    headcount: int = 100,
    category: Category = Category.ECONOMIC,
) -> GradingEntry:
    """A unit to grade with the given (already final) T, I, E and P."""
    zero = Decimal(0)
    score = UnitScore(
        code=code,
        K=zero,
        L=zero,
        I=Decimal(i),
        P=Decimal(p),
        Leader=zero,
        D=None,
        Y=zero,
        Public=zero,
        Dept=zero,
        E=Decimal(e),
        T=Decimal(t),
    )
    return GradingEntry(score, category, disqualified, headcount)
