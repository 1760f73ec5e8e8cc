"""The use of a year's results as an xlsx workbook, in Chinese, numbers as numbers."""

from __future__ import annotations

import io

from flask_babel import force_locale
from openpyxl import Workbook

from app.results.services import UnitResult

HEADERS = [
    "单位",
    "类别",
    "编制人数",
    "考核等次",
    "次年公务员优秀名额",
    "列入奖励名单",
    "结果运用",
    "历年等次",
]


def results_workbook(year: int, results: list[UnitResult]) -> bytes:
    """One row per unit: grade, next year's 优秀 places, rewards, consequences and history."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{year}年度结果运用"
    sheet.append(HEADERS)
    with force_locale("zh"):
        for result in results:
            sheet.append(
                [
                    result.name,
                    result.category.label,
                    result.headcount,
                    result.grade.value,
                    result.excellent_places,
                    "是" if result.rewarded else "否",
                    "；".join(result.consequences),
                    "，".join(f"{y}年{g.value}" for y, g in result.history),
                ]
            )
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["G"].width = 50
    sheet.column_dimensions["H"].width = 36
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
