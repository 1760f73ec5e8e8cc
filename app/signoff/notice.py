"""The notice 通报 of a year's final grades as a PDF. It goes to the public, who read Chinese
whatever language the office works in: its text is Chinese, not translated."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"  # a CID font built into every PDF reader: no font file to ship


@dataclass(frozen=True)
class NoticeUnit:
    """One unit's line in the notice."""

    name: str
    grade: str


@dataclass(frozen=True)
class NoticeCategory:
    """A category's units in ranking order."""

    label: str
    units: Sequence[NoticeUnit]


@dataclass(frozen=True)
class NoticeContent:
    """Everything the notice says."""

    year: int
    title: str
    approved_by: str
    approved_on: date
    categories: Sequence[NoticeCategory]


def notice_title(year: int) -> str:
    """The notice's title."""
    return f"关于{year}年度省直机关绩效管理考核结果的通报"


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return {
        "title": ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, firstLineIndent=22),
        "heading": ParagraphStyle("heading", fontName=FONT, fontSize=13, leading=20),
        "date": ParagraphStyle("date", fontName=FONT, fontSize=11, leading=18, alignment=2),
    }


def _category_table(category: NoticeCategory) -> Table:
    rows = [["序号", "单位", "考核等次"]] + [
        [str(number), unit.name, unit.grade] for number, unit in enumerate(category.units, start=1)
    ]
    table = Table(rows, colWidths=[18 * mm, 110 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 10.5),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("ALIGN", (2, 0), (2, -1), "CENTER"),
            ]
        )
    )
    return table


def notice_pdf(content: NoticeContent) -> bytes:
    """The notice as an A4 PDF: title, decision, the grades per category, the date."""
    styles = _styles()
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        title=content.title,
        subject=f"{content.year}",
        author="江西省省直机关绩效管理工作领导小组办公室",
    )
    story: list[object] = [
        Paragraph(content.title, styles["title"]),
        Spacer(1, 6 * mm),
        Paragraph(
            f"根据《江西省省直机关绩效管理办法》，经省直机关绩效管理工作领导小组审议、"
            f"省政府常务会议研究，{content.approved_by}于{_chinese_date(content.approved_on)}"
            f"审定，现将{content.year}年度省直机关绩效管理考核结果通报如下。",
            styles["body"],
        ),
        Spacer(1, 4 * mm),
    ]
    for number, category in enumerate(content.categories, start=1):
        story += [
            Paragraph(f"{_chinese_numeral(number)}、{category.label}", styles["heading"]),
            Spacer(1, 2 * mm),
            _category_table(category),
            Spacer(1, 4 * mm),
        ]
    story += [
        Spacer(1, 8 * mm),
        Paragraph("江西省省直机关绩效管理工作领导小组办公室", styles["date"]),
        Paragraph(_chinese_date(content.approved_on), styles["date"]),
    ]
    document.build(story)
    return output.getvalue()


_NUMERALS = "一二三四五六七八九十"


def _chinese_numeral(number: int) -> str:
    return _NUMERALS[number - 1] if 1 <= number <= len(_NUMERALS) else str(number)
