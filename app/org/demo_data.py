"""Demo data for the demo province, read from the CSV files beside this module.

`demo_units.csv` lists real Jiangxi provincial-level agencies under their official Chinese names
with an English rendering; headcounts are plausible round figures, not official staffing quotas
(编制数). `demo_leaders.csv` lists FICTIONAL provincial leaders: the names are invented and refer to
no real official. Each agency's category and leader in charge are a demo assignment, not the
province's official classification. Nothing here is authoritative.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Final

HERE = Path(__file__).resolve().parent

#: The six assessment categories in display order: 党政综合类, 经济发展类, 执法监督类, 社会服务类,
#: 人民团体和民主党派类, 中央驻赣类.
CATEGORIES: Final[tuple[str, ...]] = (
    "party_gov", "economic", "law_enforcement", "social_service", "people_org", "central",
)  # fmt: skip


@dataclass(frozen=True)
class DemoLeader:
    """A fictional provincial leader who is in charge of several units."""

    key: str
    name: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class DemoUnit:
    """A real Jiangxi provincial-level agency, placed in a demo category."""

    code: str
    name_zh: str
    name_en: str
    category: str
    headcount: int
    leader_key: str


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


LEADERS: Final[tuple[DemoLeader, ...]] = tuple(
    DemoLeader(**row) for row in _rows("demo_leaders.csv")
)
UNITS: Final[tuple[DemoUnit, ...]] = tuple(
    DemoUnit(
        row["code"],
        row["name_zh"],
        row["name_en"],
        row["category"],
        int(row["headcount"]),
        row["leader_key"],
    )
    for row in _rows("demo_units.csv")
)
