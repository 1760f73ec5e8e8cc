"""The score table as an xlsx workbook for printing: one sheet per category, Chinese headers,
numbers as numbers."""

from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.page import PageMargins

from app.org.models import Category
from app.scoring.arithmetic import rounded
from app.scoring.grades import flag_text
from app.scoring.inputs import rounding_label
from app.scoring.models import ScoreRow, ScoreRun


def _number(text: str) -> float:
    return float(rounded(Decimal(text)))


def table_headers() -> list[str]:
    """The workbook's column headers, in the current language."""
    return [
        _("Rank"),
        _("Unit"),
        _("Indicator score I"),
        _("Process score P"),
        _("Evaluation score E"),
        _("Total T"),
        _("Proposed grade"),
        _("Excellent places"),
        _("Notes"),
    ]


def workbook_title(run: ScoreRun) -> str:
    """The title printed above each sheet, with the quota rounding that made the grades."""
    title = _("%(year)d performance scores, version %(v)d", year=run.year, v=run.version)
    rounding = _("grade quotas %(rounding)s", rounding=rounding_label(run.quota_rounding))
    return f"{title} · {rounding}"


def score_workbook(run: ScoreRun, headers: list[str], title: str) -> bytes:
    """Every category of `run` on its own sheet, ranked, landscape A4, headers repeated."""
    book = Workbook()
    book.remove(book.active)
    for category in Category:
        rows = sorted((r for r in run.rows if r.category is category), key=_ranking)
        if not rows:
            continue
        sheet = book.create_sheet(category.label[:31])
        sheet.append([f"{title} · {category.label}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            sheet.append(
                [
                    row.rank,
                    row.unit.name_zh,
                    _number(row.i),
                    _number(row.p),
                    _number(row.e),
                    _number(row.t),
                    row.proposed_grade.value,
                    row.excellent_places,
                    "；".join(flag_text(flag) for flag in row.flags),
                ]
            )
        for cells in sheet.iter_rows(min_row=3, min_col=3, max_col=6):
            for cell in cells:
                cell.number_format = "0.00"
        for column, width in zip("ABCDEFGHI", (6, 34, 9, 9, 9, 9, 8, 10, 40), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.print_title_rows = "2:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ranking(row: ScoreRow) -> tuple[int, str]:
    return row.rank, row.unit.code
